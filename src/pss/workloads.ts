import type { Inventory } from '../core/inventory.js';
import type { KubeObject } from '../core/object.js';
import type { PathSegment } from '../core/provenance.js';
import { hasControllerIn, podTemplateOf, WORKLOAD_KINDS } from '../core/workload.js';
import type { CheckFailure, Level, PodView } from './model.js';
import { evaluatePod } from './registry.js';
import type { PolicyVersion } from './version.js';

/** Objects whose pods Pod Security admission judges: Pods, pod controllers and PodTemplates (as upstream's PodSpecExtractor). */
export const POD_SECURITY_KINDS: readonly string[] = [...WORKLOAD_KINDS, 'PodTemplate'];

/** The pod of a workload as the checks see it, and the path from the object's root to that pod (`['spec','template']`). */
export function podViewOf(object: KubeObject): { pod: PodView; root: PathSegment[] } | undefined {
  const template = podTemplateOf(object);
  if (!template) return undefined;
  return { pod: { metadata: template.metadata, spec: template.spec, podPath: template.podPath }, root: [...template.podPath] };
}

/** The objects to judge: every pod template, except Pods (or ReplicaSets) whose controller is in the inventory too. */
export function podTemplateObjects(inventory: Inventory): KubeObject[] {
  return inventory.byKind(...POD_SECURITY_KINDS).filter((object) => podTemplateOf(object) !== undefined && !hasControllerIn(object, inventory));
}

/** Evaluates one workload; violation fields start at the object's root (`spec.template.spec.containers[0]…`). */
export function evaluateObject(object: KubeObject, level: Level, version: PolicyVersion): CheckFailure[] | undefined {
  const view = podViewOf(object);
  return view && evaluatePod(view.pod, level, version);
}
