/**
 * Resource names as users type them (`deployments`, `deploy`, `deployments.apps`, `pods/exec`),
 * resolved to the API group and scope the API server would put in the request's attributes, as
 * kubectl does with discovery. Offline there is no discovery: the built-in resources come from the
 * one resource table (core/resources.ts), and CustomResourceDefinitions of the inventory add theirs.
 */
import { InputError } from '../core/errors.js';
import type { Inventory } from '../core/inventory.js';
import { isRecord } from '../core/object.js';
import { KNOWN_RESOURCES, type KnownResource } from '../core/resources.js';

const ALIASES = new Map<string, string>();
for (const [resource, known] of Object.entries(KNOWN_RESOURCES)) for (const alias of known.aliases ?? []) ALIASES.set(alias, resource);

export interface ResolvedResource {
  resource: string;
  subresource: string;
  apiGroup: string;
  /** Whether requests carry a namespace (false: cluster-scoped; `namespaces` carry their own name). */
  namespaced: boolean;
  /** Set when kubeward had to guess (an unknown resource without --api-group). */
  warning?: string;
}

/**
 * Resolves `RESOURCE[/SUBRESOURCE]`, `RESOURCE.GROUP[/SUBRESOURCE]` or a short name. An explicit
 * `apiGroup` wins; `*` (any resource) keeps the group given, or `*`.
 */
export function resolveResource(text: string, apiGroup: string | undefined, inventory?: Inventory): ResolvedResource {
  const slash = text.indexOf('/');
  const head = slash < 0 ? text : text.slice(0, slash);
  const subresource = slash < 0 ? '' : text.slice(slash + 1);
  if (!head) throw new InputError(`resource "${text}" is empty`);
  const dot = head.indexOf('.');
  let resource = dot < 0 ? head : head.slice(0, dot);
  let group = dot < 0 ? apiGroup : head.slice(dot + 1);
  if (dot >= 0 && apiGroup !== undefined && apiGroup !== group) throw new InputError(`resource "${text}" names group ${group}, but --api-group says ${apiGroup}`);
  if (resource === '*') return { resource, subresource, apiGroup: group ?? '*', namespaced: true };
  resource = ALIASES.get(resource) ?? resource;
  const builtin = KNOWN_RESOURCES[resource];
  const custom = customResources(inventory).get(resource);
  // A CRD's singular or short name is its plural in the request.
  if (custom && !builtin) resource = custom.plural;
  if (group === undefined) {
    if (builtin) return { resource, subresource, apiGroup: builtin.group, namespaced: builtin.namespaced };
    if (custom) return { resource, subresource, apiGroup: custom.group, namespaced: custom.namespaced };
    group = '';
    return { resource, subresource, apiGroup: group, namespaced: true, warning: `resource "${resource}" is not a built-in resource nor one of a CustomResourceDefinition in the sources: assuming the core API group and a namespaced resource (pass --api-group)` };
  }
  const known = builtin?.group === group ? builtin : custom?.group === group ? custom : undefined;
  return { resource, subresource, apiGroup: group, namespaced: known ? known.namespaced : true };
}

function customResources(inventory: Inventory | undefined): Map<string, KnownResource & { plural: string }> {
  const found = new Map<string, KnownResource & { plural: string }>();
  for (const crd of inventory?.byKind('CustomResourceDefinition') ?? []) {
    const spec = crd.spec;
    if (!isRecord(spec) || !isRecord(spec.names) || typeof spec.group !== 'string' || typeof spec.names.plural !== 'string') continue;
    const known = { group: spec.group, namespaced: spec.scope !== 'Cluster', plural: spec.names.plural };
    found.set(spec.names.plural, known);
    if (typeof spec.names.singular === 'string') found.set(spec.names.singular, known);
    if (Array.isArray(spec.names.shortNames)) for (const short of spec.names.shortNames) if (typeof short === 'string') found.set(short, known);
  }
  return found;
}

/**
 * The namespace attribute of the request, as the API server derives it from the URL: none for
 * cluster-scoped resources and non-resource URLs, the namespace's own name for a namespace object,
 * else the namespace asked for (kubectl's default: `default`). `allNamespaces` is a list across all
 * namespaces: no namespace, so only ClusterRoleBindings count.
 */
export function requestNamespace(resolved: ResolvedResource | undefined, asked: { namespace?: string; name?: string; allNamespaces?: boolean }): { namespace: string; warning?: string } {
  if (!resolved || asked.allNamespaces) return { namespace: '' };
  if (resolved.resource === 'namespaces' && resolved.apiGroup === '') return { namespace: asked.namespace ?? asked.name ?? '' };
  if (!resolved.namespaced) {
    return asked.namespace ? { namespace: '', warning: `${resolved.resource} is cluster-scoped: its requests carry no namespace, so -n ${asked.namespace} is ignored` } : { namespace: '' };
  }
  return { namespace: asked.namespace ?? 'default' };
}
