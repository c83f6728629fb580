import { apiGroupOf, type KubeObject } from './object.js';
import { KNOWN_RESOURCES } from './resources.js';

/** Cluster-scoped kinds keyed `group/Kind` (core group is the empty string), from the one resource table. */
const CLUSTER_SCOPED = new Set(
  Object.values(KNOWN_RESOURCES)
    .filter((resource) => resource.kind && !resource.namespaced)
    .map((resource) => `${resource.group}/${resource.kind}`),
);

/** A kind's scope as the inventory knows it: built-in table, then CRDs. */
export type ScopeResolver = (apiVersion: string, kind: string) => 'Cluster' | 'Namespaced';

export function builtinScope(apiVersion: string, kind: string): 'Cluster' | 'Namespaced' {
  return CLUSTER_SCOPED.has(`${apiGroupOf(apiVersion)}/${kind}`) ? 'Cluster' : 'Namespaced';
}

/** Extends the built-in table with the scopes CustomResourceDefinitions declare. */
export function scopeResolver(objects: readonly KubeObject[]): ScopeResolver {
  const declared = new Map<string, 'Cluster' | 'Namespaced'>();
  for (const object of objects) {
    if (object.kind !== 'CustomResourceDefinition') continue;
    const spec = object.spec as { group?: string; scope?: string; names?: { kind?: string } } | undefined;
    if (spec?.group && spec.names?.kind && (spec.scope === 'Cluster' || spec.scope === 'Namespaced')) {
      declared.set(`${spec.group}/${spec.names.kind}`, spec.scope);
    }
  }
  return (apiVersion, kind) => declared.get(`${apiGroupOf(apiVersion)}/${kind}`) ?? builtinScope(apiVersion, kind);
}
