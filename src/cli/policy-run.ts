/** What `kubeward policy test | export` do, loaded when one runs (policy.ts defines them); also the webhook's policy set. */
import jsYaml from 'js-yaml';
import { InputError } from '../core/errors.js';
import type { KubeObject } from '../core/object.js';
import { BUILTIN_PARAMS_NAME, loadPolicySet, type PolicySet } from '../load/policies.js';
import { loadSources } from '../load/sources.js';
import { DEFAULT_KUBE_VERSION, kubeMinor } from '../policy/cel/versions.js';
import { admitInventory, type ObjectDecision } from '../policy/run.js';
import { exportPolicies } from '../policy/export.js';
import { policyTestReport, renderPolicyTest } from '../report/policy.js';
import { loadFromFlags } from './options.js';
import { warnAll, writeOutput } from './output.js';

import type { PolicyFlags, TestFlags } from './policy.js';

/** Loads the policy set the flags name (default: the built-in pack), compiled for --kube-version. */
export async function policySetFromFlags(flags: PolicyFlags): Promise<PolicySet> {
  kubeMinor(flags.kubeVersion ?? DEFAULT_KUBE_VERSION);
  const set = await loadPolicySet({ policyPaths: flags.policies, paramPaths: flags.params, kubeVersion: flags.kubeVersion });
  warnAll(set.warnings, flags.quiet);
  return set;
}

/** Namespace objects from files, for namespaceSelector and namespaceObject. */
export async function namespacesFrom(paths: readonly string[] | undefined): Promise<KubeObject[]> {
  if (!paths?.length) return [];
  return (await loadSources(paths)).inventory.objects.filter((object) => object.kind === 'Namespace');
}

/** An evaluation over the cost limit is bad input (a hostile or broken policy): one line naming file and field. */
export function failOnCostLimit(decisions: readonly ObjectDecision[], set: PolicySet): void {
  for (const { result } of decisions) {
    const over = [...result.violations, ...result.ignoredErrors].find((error) => error.costExceeded);
    if (!over) continue;
    const policy = set.policies.find((candidate) => candidate.name === over.policy);
    throw new InputError(`${policy?.file ?? '-'}: ValidatingAdmissionPolicy ${over.policy}: ${over.field}: evaluation cost over the limit of 1000000 (a hostile or runaway expression)`);
  }
}

/** The built-in params with `allowedRegistries` replaced. */
export function withAllowedRegistries(params: readonly KubeObject[], registries: readonly string[]): KubeObject[] {
  return params.map((object) =>
    object.kind === 'ConfigMap' && object.metadata.name === BUILTIN_PARAMS_NAME ? { ...object, data: { ...(object.data as Record<string, string>), allowedRegistries: registries.join(',') } } : object,
  );
}

export async function runTest(flags: TestFlags): Promise<void> {
  if (!flags.resources?.length) throw new InputError('--resources is required: charts, manifests or directories to admit, as `scan` takes them');
  const set = await policySetFromFlags(flags);
  const { config, loaded } = await loadFromFlags(flags.resources, flags);
  warnAll(loaded.warnings, flags.quiet);
  // One allow-list for scan and the pack: .kubeward.yaml's allowedRegistries fills the built-in params.
  if (!flags.policies?.length && !flags.params?.length && config.allowedRegistries) set.params = withAllowedRegistries(set.params, config.allowedRegistries);
  const user = flags.user || flags.group?.length ? { username: flags.user ?? '', groups: [...(flags.group ?? []), 'system:authenticated'] } : undefined;
  const decisions = admitInventory(set, loaded.inventory, { operation: flags.operation, user, namespaces: await namespacesFrom(flags.namespaces) });
  failOnCostLimit(decisions, set);
  const report = policyTestReport(decisions, loaded.inventory, []);
  writeOutput(renderPolicyTest(report, flags.format ?? 'table', set.policies, flags.resources), flags.output);
  process.exitCode = report.summary.denied > 0 || (flags.failOnWarn && report.summary.warned > 0) ? 1 : 0;
}

export async function runExport(flags: PolicyFlags & { output?: string }): Promise<void> {
  const set = await policySetFromFlags(flags);
  writeOutput(exportPolicies(set, (object) => jsYaml.dump(object, { lineWidth: -1, noRefs: true })), flags.output);
}
