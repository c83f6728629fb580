/**
 * `policy export`: the policy set as plain YAML for the API server to enforce natively. Only the
 * fields the API server stores are kept (no status, no server-set metadata); everything was
 * compiled for the target version before it gets here, so what is exported loads there.
 */
import type { KubeObject } from '../core/object.js';
import type { PolicySetLike } from './run.js';

const SERVER_SET = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink'];

function clean(object: KubeObject): KubeObject {
  const metadata = Object.fromEntries(Object.entries(object.metadata).filter(([key]) => !SERVER_SET.includes(key)));
  const { status: _status, ...rest } = object;
  return { ...rest, metadata } as KubeObject;
}

/** Params the bindings name, then policies, then bindings, as one multi-document YAML stream. */
export function exportPolicies(set: PolicySetLike, dump: (object: unknown) => string): string {
  const named = new Set(set.bindings.flatMap((binding) => (binding.paramRef?.name ? [binding.paramRef.name] : [])));
  const params = set.params.filter((object) => named.has(object.metadata.name ?? '') || set.bindings.some((binding) => binding.paramRef?.selector));
  const objects = [...params, ...set.policies.map((policy) => policy.object), ...set.bindings.map((binding) => binding.object)].map(clean);
  return objects.map((object) => `---\n${dump(object)}`).join('');
}
