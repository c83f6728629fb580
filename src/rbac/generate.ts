/**
 * Least privilege from evidence: the Roles, ClusterRoles and bindings that allow exactly the requests
 * a subject was seen making, written the way a person would write them.
 *
 *  - Scope: a request in a namespace is granted by a Role there (bound by a RoleBinding); a request
 *    for a cluster-scoped resource, across all namespaces, or for a non-resource URL by a ClusterRole
 *    (bound by a ClusterRoleBinding). A namespaced request a generated ClusterRole already allows is
 *    not repeated in a Role.
 *  - Names: a verb whose every request named its object gets `resourceNames`; a verb used on any
 *    unnamed request (list, watch, create, deletecollection) does not.
 *  - Exactness: verbs, resources and subresources as observed (`watch` and `list` apart, `pods/log`
 *    not `pods`); no wildcard is ever written. Rules join resources of one API group whose verbs and
 *    names are the same, and verbs whose names are the same, so every rule allows exactly a product
 *    of observed verbs × resources × names.
 */
import jsYaml from 'js-yaml';
import { GENERATED_FOR_ANNOTATION, MANAGED_BY, type KubeObject } from '../core/object.js';
import { escapeControl } from '../core/sanitize.js';
import { describeRequest, ruleAllows, type RequestAttributes } from './authorizer.js';
import { describePath, goalTitle } from './escalation.js';
import { describeRbacRef, RBAC_GROUP, type PolicyRule } from './model.js';
import type { ActivityStats, ActivityWindow, ObservedRequest } from './observed.js';
import { describeSubject, subjectArgument, type SubjectRef } from './subject.js';
import type { RbacVerification } from './verify.js';

/** The order people write verbs in (kubectl's, then the special verbs), then any others alphabetically. */
const VERB_ORDER = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection', 'post', 'put', 'head', 'options', 'proxy', 'use', 'bind', 'escalate', 'impersonate', 'approve', 'sign'];

export function compareVerbs(a: string, b: string): number {
  const [x, y] = [VERB_ORDER.indexOf(a), VERB_ORDER.indexOf(b)];
  if (x >= 0 && y >= 0) return x - y;
  if (x >= 0 || y >= 0) return x >= 0 ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A role to write: a ClusterRole (namespace undefined) or a Role in a namespace. */
export interface GeneratedRole {
  kind: 'Role' | 'ClusterRole';
  name: string;
  namespace?: string;
  rules: PolicyRule[];
}

export interface GeneratedRbac {
  roles: GeneratedRole[];
  /** The roles and their bindings, in the order they are written (ClusterRole first, then by namespace). */
  objects: KubeObject[];
}

export interface GenerateOptions {
  /** Name of every role and binding; default `kubeward:<kind>:<…>` from the subject. */
  name?: string;
}

/** `kubeward:serviceaccount:ns:name`, `kubeward:user:alice`, `kubeward:group:devs` (`/` and `%`, which names cannot hold, become `-`). */
export function defaultRoleName(subject: SubjectRef): string {
  const name = subject.kind === 'ServiceAccount' ? `serviceaccount:${subject.namespace}:${subject.name}` : `${subject.kind.toLowerCase()}:${subject.name}`;
  return `kubeward:${name.replace(/[/%]/g, '-')}`;
}

/** The binding subject entry a generated binding names. */
export function bindingSubject(subject: SubjectRef): Record<string, string> {
  if (subject.kind === 'ServiceAccount') return { kind: 'ServiceAccount', name: subject.name, namespace: subject.namespace ?? '' };
  return { kind: subject.kind, apiGroup: RBAC_GROUP, name: subject.name };
}

/** Roles and bindings that allow every request given (the caller chose which: allowed ones, or denied too). */
export function generateRbac(subject: SubjectRef, requests: readonly ObservedRequest[], options: GenerateOptions = {}): GeneratedRbac {
  const name = options.name ?? defaultRoleName(subject);
  const clusterWide = requests.filter((request) => !request.attributes.namespace).map((request) => request.attributes);
  const clusterRules = rulesFor(clusterWide);
  const byNamespace = new Map<string, RequestAttributes[]>();
  for (const { attributes } of requests) {
    if (!attributes.namespace) continue;
    // A ClusterRoleBinding counts in every namespace: what the ClusterRole allows needs no Role.
    if (clusterRules.some((rule) => ruleAllows(attributes, rule))) continue;
    const list = byNamespace.get(attributes.namespace) ?? [];
    list.push(attributes);
    byNamespace.set(attributes.namespace, list);
  }
  const roles: GeneratedRole[] = [];
  if (clusterRules.length) roles.push({ kind: 'ClusterRole', name, rules: clusterRules });
  for (const namespace of [...byNamespace.keys()].sort(compareText)) roles.push({ kind: 'Role', name, namespace, rules: rulesFor(byNamespace.get(namespace)!) });
  return { roles, objects: roles.flatMap((role) => [roleObject(role, subject), bindingObject(role, subject)]) };
}

function metadata(name: string, namespace: string | undefined, subject: SubjectRef): KubeObject['metadata'] {
  return { name, ...(namespace ? { namespace } : {}), labels: { ...MANAGED_BY }, annotations: { [GENERATED_FOR_ANNOTATION]: subjectArgument(subject) } };
}

function roleObject(role: GeneratedRole, subject: SubjectRef): KubeObject {
  return { apiVersion: `${RBAC_GROUP}/v1`, kind: role.kind, metadata: metadata(role.name, role.namespace, subject), rules: role.rules.map(ruleObject) };
}

function bindingObject(role: GeneratedRole, subject: SubjectRef): KubeObject {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: role.kind === 'ClusterRole' ? 'ClusterRoleBinding' : 'RoleBinding',
    metadata: metadata(role.name, role.namespace, subject),
    roleRef: { apiGroup: RBAC_GROUP, kind: role.kind, name: role.name },
    subjects: [bindingSubject(subject)],
  };
}

/** A rule as a manifest writes it: apiGroups, resources, resourceNames or nonResourceURLs, verbs. */
function ruleObject(rule: PolicyRule): Record<string, string[]> {
  if (rule.nonResourceURLs.length) return { nonResourceURLs: rule.nonResourceURLs, verbs: rule.verbs };
  return { apiGroups: rule.apiGroups, resources: rule.resources, ...(rule.resourceNames.length ? { resourceNames: rule.resourceNames } : {}), verbs: rule.verbs };
}

/** Per verb: the names its requests carried, or `null` when one was unnamed (the verb then needs every name). */
type VerbNames = Map<string, Set<string> | null>;

/** The fewest exact rules that allow these requests (and only them, up to names of unnamed verbs). */
export function rulesFor(requests: readonly RequestAttributes[]): PolicyRule[] {
  const resources = new Map<string, Map<string, VerbNames>>(); // group → resource[/sub] → verbs
  const urls = new Map<string, Set<string>>(); // path → verbs
  for (const request of requests) {
    if (request.path !== undefined) {
      const verbs = urls.get(request.path) ?? new Set<string>();
      verbs.add(request.verb);
      urls.set(request.path, verbs);
      continue;
    }
    const group = request.apiGroup ?? '';
    const resource = request.subresource ? `${request.resource}/${request.subresource}` : (request.resource ?? '');
    const byResource = resources.get(group) ?? new Map<string, VerbNames>();
    resources.set(group, byResource);
    const verbs = byResource.get(resource) ?? new Map<string, Set<string> | null>();
    byResource.set(resource, verbs);
    const names = verbs.get(request.verb);
    if (!request.name) verbs.set(request.verb, null);
    else if (names === undefined) verbs.set(request.verb, new Set([request.name]));
    else names?.add(request.name);
  }
  const rules: PolicyRule[] = [];
  for (const group of [...resources.keys()].sort(compareText)) {
    // (verbs, names) → resources: resources with the same verbs and names share a rule.
    const merged = new Map<string, { verbs: string[]; names: string[]; resources: string[] }>();
    for (const [resource, verbs] of [...resources.get(group)!].sort(([a], [b]) => compareText(a, b))) {
      // names → verbs: verbs with the same names share a rule.
      const byNames = new Map<string, { names: string[]; verbs: string[] }>();
      for (const [verb, names] of verbs) {
        const list = names ? [...names].sort(compareText) : [];
        const key = JSON.stringify(list);
        const entry = byNames.get(key) ?? { names: list, verbs: [] };
        entry.verbs.push(verb);
        byNames.set(key, entry);
      }
      for (const { names, verbs: verbList } of byNames.values()) {
        verbList.sort(compareVerbs);
        const key = JSON.stringify([verbList, names]);
        const entry = merged.get(key) ?? { verbs: verbList, names, resources: [] };
        entry.resources.push(resource);
        merged.set(key, entry);
      }
    }
    const groupRules = [...merged.values()].map(({ verbs, names, resources: list }) => ({ verbs, apiGroups: [group], resources: list, resourceNames: names, nonResourceURLs: [] }));
    groupRules.sort((a, b) => compareText(a.resources[0], b.resources[0]) || a.resourceNames.length - b.resourceNames.length || compareText(a.resourceNames.join(','), b.resourceNames.join(',')));
    rules.push(...groupRules);
  }
  const byVerbs = new Map<string, { verbs: string[]; paths: string[] }>();
  for (const [path, verbs] of [...urls].sort(([a], [b]) => compareText(a, b))) {
    const list = [...verbs].sort(compareVerbs);
    const key = list.join(',');
    const entry = byVerbs.get(key) ?? { verbs: list, paths: [] };
    entry.paths.push(path);
    byVerbs.set(key, entry);
  }
  for (const { verbs, paths } of [...byVerbs.values()].sort((a, b) => compareText(a.paths[0], b.paths[0]))) rules.push({ verbs, apiGroups: [], resources: [], resourceNames: [], nonResourceURLs: paths });
  return rules;
}

/** What the generated set covers and how it was checked, for the header of the output. */
export interface GenerationSummary {
  subject: SubjectRef;
  logs: readonly string[];
  window: ActivityWindow;
  stats: ActivityStats;
  /** Distinct requests the roles were generated for. */
  generatedFor: readonly ObservedRequest[];
  /** Distinct requests left out because the cluster's other bindings already allow them. */
  alreadyAllowed: readonly ObservedRequest[];
  includeDenied: boolean;
  verification: RbacVerification;
  notes: readonly string[];
}

const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
const iso = (ms: number | undefined) => (ms === undefined ? '?' : new Date(ms).toISOString());
const total = (requests: readonly ObservedRequest[], includeDenied: boolean) => requests.reduce((sum, request) => sum + request.allowed + (includeDenied ? request.denied : 0), 0);

/** Header comments, then one YAML document per object: what `kubectl apply -f` takes. */
export function renderGeneratedRbac(generated: GeneratedRbac, summary: GenerationSummary): string {
  const { stats, window, verification } = summary;
  const bounds = [window.since !== undefined ? `since ${iso(window.since)}` : '', window.until !== undefined ? `until ${iso(window.until)}` : ''].filter(Boolean).join(', ');
  const covered = total(summary.generatedFor, summary.includeDenied);
  const lines = [
    `# kubeward rbac generate: least privilege for ${describeSubject(summary.subject)}, from what it did`,
    `# ${summary.logs.length === 1 ? 'audit log' : 'audit logs'}: ${summary.logs.join(', ')}${bounds ? ` (window: ${bounds})` : ''}`,
    `# ${count(stats.requests, 'request')} by the subject from ${iso(stats.first)} to ${iso(stats.last)}: ${count(stats.allowed, 'allowed', 'allowed')}, ${count(stats.denied, 'denied', 'denied')}`,
    `# these roles cover ${count(covered, 'request')} (${count(summary.generatedFor.length, 'distinct request')})${summary.includeDenied ? ', denied ones included (--include-denied)' : stats.denied ? '; denied requests are left out (--include-denied adds them)' : ''}`,
  ];
  if (summary.alreadyAllowed.length) lines.push(`# left out: ${count(total(summary.alreadyAllowed, summary.includeDenied), 'request')} (${summary.alreadyAllowed.length} distinct) the cluster's other bindings already allow`);
  lines.push('# verified by the RBAC engine: every one of these requests is allowed by the roles below');
  if (verification.risks.length === 0) lines.push('# RBAC risks they carry (the rbac risks catalogue): none');
  else {
    lines.push('# risks they carry, each needed by an observed request:');
    for (const need of verification.risks) {
      const where = need.clusterWide ? 'cluster-wide' : `in ${need.namespaces.join(', ')}`;
      const examples = need.neededBy.slice(0, 3).map((request) => `${describeRequest(request.attributes)} (${count(request.allowed + request.denied, 'request')})`);
      const more = need.neededBy.length > 3 ? `, and ${need.neededBy.length - 3} more` : '';
      lines.push(`#   ${need.risk.id} (${need.severity}, ${where}): needed by ${examples.join('; ')}${more}`);
    }
  }
  for (const path of verification.newPaths) lines.push(`# escalation path to ${goalTitle(path.goal)} these roles open: ${describePath(path)}`);
  for (const object of verification.replaces) lines.push(`# warning: replaces ${describeRbacRef({ kind: object.kind, name: object.metadata.name ?? '', namespace: object.metadata.namespace })}, which kubeward did not write`);
  for (const note of summary.notes) lines.push(`# note: ${note}`);
  if (generated.objects.length === 0) lines.push('# nothing to grant: every request is already allowed');
  // Lists inside a rule in flow style, as people write rules: `verbs: [get, list]`.
  const documents = generated.objects.map((object) => jsYaml.dump(object, { noRefs: true, lineWidth: -1, quotingType: '"', flowLevel: 3 }));
  // Names come from the audit log and the sources: a newline in one must not end the comment and start YAML.
  return `${lines.map(escapeControl).join('\n')}\n${documents.map((document) => `---\n${document}`).join('')}`;
}
