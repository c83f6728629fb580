/**
 * `policy test` and `policy verify` on an inventory: every object is admitted as a request
 * (CREATE by default, by a non-admin user), against a policy set, with the namespaces, params and
 * RBAC the inventory (and the files given) hold. Pure: the CLI loads, this decides.
 */
import type { Inventory } from '../core/inventory.js';
import type { KubeObject } from '../core/object.js';
import { builtinScope } from '../core/scope.js';
import { buildEngine } from '../rbac/engine.js';
import { requestFor, type AdmissionRequest, type UserInfo } from './admission.js';
import { rbacAuthorize } from './authorize.js';
import { evaluateAdmission, type AdmissionResult, type EvaluationContext } from './evaluate.js';
import type { Binding, Operation, Policy } from './model.js';

export interface PolicySetLike {
  policies: readonly Policy[];
  bindings: readonly Binding[];
  params: readonly KubeObject[];
}

/** The lookups of an evaluation, from objects known offline (the inventory, namespaces, params). */
export function offlineContext(set: PolicySetLike, inventory: Inventory, namespaces: readonly KubeObject[] = []): EvaluationContext {
  const byName = new Map<string, KubeObject>();
  for (const object of [...inventory.byKind('Namespace'), ...namespaces.filter((object) => object.kind === 'Namespace')]) {
    if (object.metadata.name) byName.set(object.metadata.name, object);
  }
  const engine = buildEngine(inventory);
  return {
    namespace: (name) => byName.get(name),
    params: (kind, namespace) =>
      set.params.filter((object) => object.kind === kind.kind && object.apiVersion === kind.apiVersion && (!namespace || (object.metadata.namespace ?? '') === namespace)),
    paramScope: (kind) => builtinScope(kind.apiVersion, kind.kind),
    authorize: rbacAuthorize(engine),
  };
}

export interface ObjectDecision {
  object: KubeObject;
  request: AdmissionRequest;
  result: AdmissionResult;
}

export interface AdmitOptions {
  operation?: Operation;
  user?: UserInfo;
  namespaces?: readonly KubeObject[];
}

/** Admits every object of the inventory (Namespaces and policy objects too: the API server would). */
export function admitInventory(set: PolicySetLike, inventory: Inventory, options: AdmitOptions = {}): ObjectDecision[] {
  return admitObjects(set, inventory, inventory.objects.map((object) => ({ object, user: options.user })), options);
}

/** Admits each object as a request by its own user (an install: the installer's objects, the controllers' pods), with the inventory's lookups. */
export function admitObjects(set: PolicySetLike, inventory: Inventory, requests: readonly { object: KubeObject; user?: UserInfo }[], options: Pick<AdmitOptions, 'operation' | 'namespaces'> = {}): ObjectDecision[] {
  const context = offlineContext(set, inventory, options.namespaces);
  const crds = inventory.byKind('CustomResourceDefinition');
  return requests.map(({ object, user }) => {
    const request = requestFor(object, { operation: options.operation, user, crds });
    return { object, request, result: evaluateAdmission(set.policies, set.bindings, request, context) };
  });
}
