/**
 * Helm hooks as the objects carry them (`helm.sh/hook`, `helm.sh/hook-delete-policy`), so the same
 * answer holds for a rendered chart, a post-renderer's input and a cluster dump.
 */
import type { KubeObject } from './object.js';

export const HOOK_ANNOTATION = 'helm.sh/hook';
export const HOOK_DELETE_POLICY_ANNOTATION = 'helm.sh/hook-delete-policy';

/** Helm 2's names for test hooks, which Helm 3 still runs as `test`. */
const TEST_HOOKS = new Set(['test', 'test-success', 'test-failure']);
/** Policies that delete the hook's object once it has run; `before-hook-creation` (the default) keeps it until the next run. */
const SELF_DELETING_POLICIES = new Set(['hook-succeeded', 'hook-failed']);

function listAnnotation(object: KubeObject, key: string): string[] {
  const value = object.metadata.annotations?.[key];
  if (typeof value !== 'string') return [];
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** The hook events the object runs on (`pre-install`, `test`, …); empty for an ordinary object. */
export function helmHooksOf(object: KubeObject): string[] {
  return listAnnotation(object, HOOK_ANNOTATION);
}

export function isHelmHook(object: KubeObject): boolean {
  // Most objects carry no hook annotation: nothing to split.
  return typeof object.metadata.annotations?.[HOOK_ANNOTATION] === 'string' && helmHooksOf(object).length > 0;
}

/** A pod or Job that runs only on `helm test`. */
export function isHelmTestHook(object: KubeObject): boolean {
  return isHelmHook(object) && helmHooksOf(object).some((hook) => TEST_HOOKS.has(hook));
}

/**
 * The delete policies under which a hook removes itself after it ran (`hook-succeeded`,
 * `hook-failed`): such an object is gone by the time anyone looks at the cluster. Empty for an
 * object that is not a hook or stays.
 */
export function selfDeletingPolicies(object: KubeObject): string[] {
  if (!isHelmHook(object)) return [];
  return listAnnotation(object, HOOK_DELETE_POLICY_ANNOTATION).filter((policy) => SELF_DELETING_POLICIES.has(policy));
}
