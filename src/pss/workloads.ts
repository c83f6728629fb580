import type { Inventory } from '../core/inventory.js';
import type { KubeObject } from '../core/object.js';
import { hasControllerIn, podTemplateOf, WORKLOAD_KINDS } from '../core/workload.js';
import type { CheckFailure, Level, PodView } from './model.js';
import { evaluatePod } from './registry.js';
import type { PolicyVersion } from './version.js';

/** Objects whose pods Pod Security admission judges: Pods, pod controllers and PodTemplates (as upstream's PodSpecExtractor). */
export const POD_SECURITY_KINDS: readonly string[] = [...WORKLOAD_KINDS, 'PodTemplate'];

/** The pod of a workload as the checks see it, with the path from the object's root to that pod (`podPath`: `['spec','template']`). */
export function podViewOf(object: KubeObject): PodView | undefined {
  const template = podTemplateOf(object);
  if (!template) return undefined;
  return { metadata: template.metadata, spec: template.spec, podPath: template.podPath };
}

/** The objects to judge: every pod template, except Pods (or ReplicaSets) whose controller is in the inventory too. */
export function podTemplateObjects(inventory: Inventory): KubeObject[] {
  return inventory.byKind(...POD_SECURITY_KINDS).filter((object) => podTemplateOf(object) !== undefined && !hasControllerIn(object, inventory));
}

/** Evaluates one workload; violation fields start at the object's root (`spec.template.spec.containers[0]…`). */
export function evaluateObject(object: KubeObject, level: Level, version: PolicyVersion): CheckFailure[] | undefined {
  const pod = podViewOf(object);
  return pod && evaluatePod(pod, level, version);
}
