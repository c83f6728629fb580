import type { KubeObject } from '../../core/object.js';
import { hasControllerIn, isWorkload } from '../../core/workload.js';
import type { RuleContext } from '../rule.js';

/** Workload rules look at workloads whose controller is not also in the inventory (see hasControllerIn). */
export function checkedWorkload(object: KubeObject, context: RuleContext): boolean {
  return isWorkload(object) && !hasControllerIn(object, context.inventory);
}
