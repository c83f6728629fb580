import { Command, Option } from 'commander';
import jsYaml from 'js-yaml';
import { InputError } from '../core/errors.js';
import type { KubeObject } from '../core/object.js';
import { BUILTIN_PARAMS_NAME, loadPolicySet, type PolicySet } from '../load/policies.js';
import { loadSources } from '../load/sources.js';
import { DEFAULT_KUBE_VERSION, kubeMinor } from '../policy/cel/versions.js';
import type { Operation } from '../policy/model.js';
import { admitInventory, type ObjectDecision } from '../policy/run.js';
import { exportPolicies } from '../policy/export.js';
import { runSuite } from './policy-verify.js';
import { POLICY_FORMATS, policyTestReport, renderPolicyTest } from '../report/policy.js';
import { addSourceOptions, collect, loadFromFlags, type SourceFlags } from './options.js';
import { warnAll, writeOutput } from './output.js';

interface PolicyFlags {
  policies?: string[];
  params?: string[];
  kubeVersion?: string;
  quiet?: boolean;
}

interface TestFlags extends PolicyFlags, SourceFlags {
  resources?: string[];
  namespaces?: string[];
  user?: string;
  group?: string[];
  operation?: Operation;
  format?: string;
  output?: string;
  failOnWarn?: boolean;
}

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

async function runTest(flags: TestFlags): Promise<void> {
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

/** --policies and --params, as every command reading a policy set takes them. */
export function addPolicySetOptions(command: Command): Command {
  return command
    .option('--policies <path>', 'policy and binding files or directories (repeatable; default: the built-in pack)', collect)
    .option('--params <path>', 'param objects for paramRefs (repeatable; default with the built-in pack: its params)', collect);
}

/** `kubeward policy test | verify | export` (issue 11). */
export function registerPolicy(program: Command): void {
  const policy = program.command('policy').description('ValidatingAdmissionPolicies (CEL) in CI: test charts against them, unit-test them, export them for the API server');

  const test = policy
    .command('test')
    .description('admit every object of charts or manifests against ValidatingAdmissionPolicies (default: the built-in pack)')
    .option('--resources <source>', 'what to admit: anything `scan` takes (repeatable)', collect)
    .option('--namespaces <path>', 'Namespace objects, for namespaceSelector and namespaceObject (repeatable)', collect)
    .option('--user <name>', 'the requesting user (default: a non-admin user, kubeward-test-user)')
    .option('--group <group>', 'a group of the requesting user (repeatable)', collect)
    .addOption(new Option('--operation <operation>', 'the admission operation').choices(['CREATE', 'UPDATE', 'DELETE']).default('CREATE'))
    .addOption(new Option('--format <format>', 'output format').choices([...POLICY_FORMATS]).default('table'))
    .option('-o, --output <file>', 'write the report to a file (atomically) instead of stdout')
    .option('--fail-on-warn', 'exit 1 on a Warn as on a Deny')
    .option('-q, --quiet', 'do not print warnings');
  addPolicySetOptions(test);
  addSourceOptions(test);
  test.addHelpText(
    'after',
    `
--kube-version also selects the CEL libraries policies compile against (default ${DEFAULT_KUBE_VERSION}).
Exit codes: 0 admitted, 1 any Deny (and any Warn with --fail-on-warn), 2 usage or input error.

Examples:
  kubeward policy test --resources ./fast-trace-agent -n checkout --release tracing
  kubeward policy test --policies my-policies/ --params params.yaml --resources manifests/ --format junit -o policy.xml
  kubeward policy test --resources rbac.yaml --user alice --group kubeadm:cluster-admins`,
  );
  test.action(async (flags: TestFlags) => runTest(flags));

  policy
    .command('verify')
    .description('run policy unit tests: a suite file of cases with their expected decisions (like kyverno test, gator verify)')
    .argument('<suites...>', 'suite files (kind: PolicyTest)')
    .option('--kube-version <version>', `Kubernetes version policies compile for (default ${DEFAULT_KUBE_VERSION})`)
    .option('-q, --quiet', 'print only failing cases')
    .action(async (suites: string[], flags: { kubeVersion?: string; quiet?: boolean }) => {
      let failed = 0;
      for (const suite of suites) failed += await runSuite(suite, flags);
      process.exitCode = failed > 0 ? 1 : 0;
    });

  const exporter = policy
    .command('export')
    .description('the policies as plain ValidatingAdmissionPolicy + binding YAML (with their params) for the API server to enforce natively');
  addPolicySetOptions(exporter)
    .option('--kube-version <version>', `check that every expression compiles on this Kubernetes version (default ${DEFAULT_KUBE_VERSION})`)
    .option('-o, --output <file>', 'write to a file (atomically) instead of stdout')
    .option('-q, --quiet', 'do not print warnings')
    .action(async (flags: PolicyFlags & { output?: string }) => {
      const set = await policySetFromFlags(flags);
      writeOutput(exportPolicies(set, (object) => jsYaml.dump(object, { lineWidth: -1, noRefs: true })), flags.output);
    });
}
