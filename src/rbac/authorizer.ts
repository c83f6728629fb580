/**
 * The Kubernetes RBAC authorizer's matching functions, to the letter of
 * `pkg/apis/rbac/v1/evaluation_helpers.go`, `plugin/pkg/auth/authorizer/rbac/rbac.go` (RuleAllows)
 * and `pkg/registry/rbac/validation/rule.go` (appliesTo). Every string comparison is exact and
 * case-sensitive, as upstream: `GET` is not `get`, `Pods` is not `pods`.
 */
import type { PolicyRule, Subject } from './model.js';
import { serviceAccountUsername, type Identity } from './subject.js';

/** authorizer.Attributes: a resource request, or a non-resource request when `path` is set. */
export interface RequestAttributes {
  verb: string;
  /** `''` for cluster-scoped requests and for requests across all namespaces (only ClusterRoleBindings count then). */
  namespace?: string;
  apiGroup?: string;
  resource?: string;
  subresource?: string;
  /** `''` (absent) for create, list, watch, deletecollection: then rules with resourceNames never match. */
  name?: string;
  /** A non-resource URL (`/healthz`): makes this a non-resource request. */
  path?: string;
}

/** `get pods/log named web-1 in namespace shop`, `list secrets cluster-wide`, `get /healthz`. */
export function describeRequest(attributes: RequestAttributes): string {
  if (attributes.path !== undefined) return `${attributes.verb} ${attributes.path}`;
  const resource = `${attributes.resource}${attributes.subresource ? `/${attributes.subresource}` : ''}${attributes.apiGroup ? `.${attributes.apiGroup}` : ''}`;
  const name = attributes.name ? ` named ${attributes.name}` : '';
  return `${attributes.verb} ${resource}${name} ${attributes.namespace ? `in namespace ${attributes.namespace}` : 'cluster-wide'}`;
}

/** A request as JSON reports show it: `verb`, then `nonResourceURL`, or `apiGroup`, `resource` (`pods/exec`), `resourceName` and `namespace` when set. */
export function requestAttributesJson(attributes: RequestAttributes): Record<string, unknown> {
  const json: Record<string, unknown> = { verb: attributes.verb };
  if (attributes.path !== undefined) json.nonResourceURL = attributes.path;
  else {
    json.apiGroup = attributes.apiGroup ?? '';
    json.resource = attributes.subresource ? `${attributes.resource}/${attributes.subresource}` : attributes.resource;
    if (attributes.name) json.resourceName = attributes.name;
    if (attributes.namespace) json.namespace = attributes.namespace;
  }
  return json;
}

export const VERB_ALL = '*';
export const API_GROUP_ALL = '*';
export const RESOURCE_ALL = '*';
export const NON_RESOURCE_ALL = '*';

export function isResourceRequest(attributes: RequestAttributes): boolean {
  return attributes.path === undefined;
}

export function verbMatches(rule: PolicyRule, requestedVerb: string): boolean {
  for (const verb of rule.verbs) {
    if (verb === VERB_ALL || verb === requestedVerb) return true;
  }
  return false;
}

export function apiGroupMatches(rule: PolicyRule, requestedGroup: string): boolean {
  for (const group of rule.apiGroups) {
    if (group === API_GROUP_ALL || group === requestedGroup) return true;
  }
  return false;
}

/** `*` matches every resource and subresource; `*` + `/scale` (star slash scale) matches the `scale` subresource of anything. */
export function resourceMatches(rule: PolicyRule, combinedRequestedResource: string, requestedSubresource: string): boolean {
  for (const resource of rule.resources) {
    if (resource === RESOURCE_ALL || resource === combinedRequestedResource) return true;
    if (requestedSubresource.length === 0) continue;
    if (resource.length === requestedSubresource.length + 2 && resource.startsWith('*/') && resource.endsWith(requestedSubresource)) return true;
  }
  return false;
}

/** No resourceNames: any name. Otherwise the request's name must be listed: an unnamed request (`''`) never is. */
export function resourceNameMatches(rule: PolicyRule, requestedName: string): boolean {
  if (rule.resourceNames.length === 0) return true;
  return rule.resourceNames.includes(requestedName);
}

/** `*` matches every URL; a trailing `*` is a plain prefix (no path-segment boundary: `/apis*` matches `/apisx`). */
export function nonResourceURLMatches(rule: PolicyRule, requestedURL: string): boolean {
  for (const url of rule.nonResourceURLs) {
    if (url === NON_RESOURCE_ALL || url === requestedURL) return true;
    if (url.endsWith('*') && requestedURL.startsWith(url.replace(/\*+$/, ''))) return true;
  }
  return false;
}

export function ruleAllows(attributes: RequestAttributes, rule: PolicyRule): boolean {
  if (isResourceRequest(attributes)) {
    const resource = attributes.resource ?? '';
    const subresource = attributes.subresource ?? '';
    const combined = subresource.length > 0 ? `${resource}/${subresource}` : resource;
    return (
      verbMatches(rule, attributes.verb) &&
      apiGroupMatches(rule, attributes.apiGroup ?? '') &&
      resourceMatches(rule, combined, subresource) &&
      resourceNameMatches(rule, attributes.name ?? '')
    );
  }
  return verbMatches(rule, attributes.verb) && nonResourceURLMatches(rule, attributes.path ?? '');
}

/**
 * Does a binding subject name this identity? `User` compares the username exactly (`*` is not a
 * wildcard); `Group` looks in the identity's groups; `ServiceAccount` takes the binding's namespace
 * when it has none, and never matches when neither has one (a namespace-less ServiceAccount in a
 * ClusterRoleBinding). `apiGroup` is ignored, as upstream.
 */
export function appliesToUser(identity: Identity, subject: Subject, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return identity.name === subject.name;
    case 'Group':
      return identity.groups.includes(subject.name);
    case 'ServiceAccount': {
      const namespace = subject.namespace || bindingNamespace;
      if (!namespace) return false;
      return identity.name === serviceAccountUsername(namespace, subject.name);
    }
    default:
      return false;
  }
}

/** The index of the first subject that applies, or -1. */
export function appliesTo(identity: Identity, subjects: readonly Subject[], bindingNamespace: string): number {
  return subjects.findIndex((subject) => appliesToUser(identity, subject, bindingNamespace));
}
