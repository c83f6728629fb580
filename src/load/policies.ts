/**
 * Loads ValidatingAdmissionPolicies, their bindings and params from files through the project's
 * YAML loader (alias limits, sizes), and checks them as a set: every policy compiles, every
 * binding names a policy that is there, every paramRef names params that are there. Any problem
 * is an InputError naming the file, the object and the field.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../core/errors.js';
import type { Inventory } from '../core/inventory.js';
import { labelsOf, type KubeObject } from '../core/object.js';
import { selectorMatches } from '../core/selector.js';
import { isBindingObject, isPolicyObject, PolicyError, readBinding, readPolicy, type Binding, type Policy } from '../policy/model.js';
import { loadSources, type LoadOptions } from './sources.js';

/** The built-in pack shipped in the package: `policies/<name>/policy.yaml` and `policies/params.yaml`. */
export const BUILTIN_POLICIES_DIR = fileURLToPath(new URL('../../policies/', import.meta.url));

export function builtinPolicyFiles(): string[] {
  return readdirSync(BUILTIN_POLICIES_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(BUILTIN_POLICIES_DIR, entry.name, 'policy.yaml')))
    .map((entry) => join(BUILTIN_POLICIES_DIR, entry.name, 'policy.yaml'))
    .sort();
}

/** The ConfigMap the built-in pack's bindings name. */
export const BUILTIN_PARAMS_NAME = 'kubeward-policy-params';

export function builtinParamsFile(): string {
  return join(BUILTIN_POLICIES_DIR, 'params.yaml');
}

export interface PolicySet {
  policies: Policy[];
  bindings: Binding[];
  /** Param objects (any kind) available to paramRefs. */
  params: KubeObject[];
  warnings: string[];
}

function fileOf(inventory: Inventory, object: KubeObject): string | undefined {
  return inventory.provenanceOf(object)?.file;
}

/**
 * Reads policies and bindings from `policyPaths` (default: the built-in pack) and params from
 * `paramPaths` (default with the built-in pack: its params). Compiles for `kubeVersion`.
 */
export async function loadPolicySet(options: { policyPaths?: string[]; paramPaths?: string[]; kubeVersion?: string; load?: LoadOptions }): Promise<PolicySet> {
  const builtin = !options.policyPaths || options.policyPaths.length === 0;
  const policyPaths = builtin ? builtinPolicyFiles() : (options.policyPaths as string[]);
  const paramPaths = options.paramPaths ?? (builtin ? [builtinParamsFile()] : []);
  const loaded = await loadSources(policyPaths, { ...options.load, namespace: options.load?.namespace ?? 'default' });
  const { policies, bindings, warnings } = readPolicyObjects(loaded.inventory, { kubeVersion: options.kubeVersion, others: 'warn' });
  warnings.unshift(...loaded.warnings);
  if (policies.length === 0) throw new InputError(`${policyPaths.join(', ')}: no ValidatingAdmissionPolicy found`);
  const params = paramPaths.length ? (await loadSources(paramPaths, { ...options.load })).inventory.objects.slice() : [];
  checkSet(policies, bindings, params);
  return { policies, bindings, params, warnings };
}

/**
 * The ValidatingAdmissionPolicies and bindings among an inventory's objects, compiled. Other objects
 * are warned about (`others: 'warn'`, a policy folder) or passed over (`'skip'`, a cluster dump).
 */
export function readPolicyObjects(inventory: Inventory, options: { kubeVersion?: string; others: 'warn' | 'skip' }): { policies: Policy[]; bindings: Binding[]; warnings: string[] } {
  const warnings: string[] = [];
  const policies: Policy[] = [];
  const bindings: Binding[] = [];
  try {
    for (const object of inventory.objects) {
      const file = fileOf(inventory, object);
      if (isPolicyObject(object)) policies.push(readPolicy(object, { kubeVersion: options.kubeVersion, file }));
      else if (isBindingObject(object)) bindings.push(readBinding(object, { file }));
      else if (options.others === 'warn') warnings.push(`${file ?? '-'}: ${object.kind} ${object.metadata.name ?? ''} is not a ValidatingAdmissionPolicy or binding: skipped`);
    }
  } catch (error) {
    if (error instanceof PolicyError) throw new InputError(error.message);
    throw error;
  }
  return { policies, bindings, warnings };
}

/** Every binding names a policy that is loaded, every named param exists, no two policies share a name. */
export function checkSet(policies: readonly Policy[], bindings: readonly Binding[], params: readonly KubeObject[]): void {
  const byName = new Map<string, Policy>();
  for (const policy of policies) {
    if (byName.has(policy.name)) throw new InputError(`${policy.file ?? '-'}: ValidatingAdmissionPolicy ${policy.name}: metadata.name: Duplicate value: "${policy.name}"`);
    byName.set(policy.name, policy);
  }
  for (const binding of bindings) {
    const where = `${binding.file ?? '-'}: ValidatingAdmissionPolicyBinding ${binding.name}`;
    const policy = byName.get(binding.policyName);
    if (!policy) throw new InputError(`${where}: spec.policyName: ValidatingAdmissionPolicy "${binding.policyName}" is not among the policies loaded`);
    const ref = binding.paramRef;
    if (!policy.paramKind || !ref) continue;
    const kind = policy.paramKind;
    const candidates = params.filter((object) => object.kind === kind.kind && object.apiVersion === kind.apiVersion && (!ref.namespace || object.metadata.namespace === ref.namespace));
    const found = ref.name ? candidates.some((object) => object.metadata.name === ref.name) : candidates.some((object) => selectorMatches(ref.selector, labelsOf(object)));
    if (!found) {
      const what = ref.name ? `${kind.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}` : `${kind.kind} matching the selector`;
      throw new InputError(`${where}: spec.paramRef${ref.name ? '.name' : '.selector'}: ${what} is not among the params loaded (--params)`);
    }
  }
}
