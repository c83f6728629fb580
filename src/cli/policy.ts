import { Command, Option } from 'commander';
import { DEFAULT_KUBE_VERSION } from '../policy/cel/versions.js';
import type { Operation } from '../policy/model.js';
import { POLICY_FORMATS } from '../report/formats.js';
import { addSourceOptions, collect, type SourceFlags } from './options.js';

export interface PolicyFlags {
  policies?: string[];
  params?: string[];
  kubeVersion?: string;
  quiet?: boolean;
}

export interface TestFlags extends PolicyFlags, SourceFlags {
  resources?: string[];
  namespaces?: string[];
  user?: string;
  group?: string[];
  operation?: Operation;
  format?: string;
  output?: string;
  failOnWarn?: boolean;
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
  test.action(async (flags: TestFlags) => (await import('./policy-run.js')).runTest(flags));

  policy
    .command('verify')
    .description('run policy unit tests: a suite file of cases with their expected decisions (like kyverno test, gator verify)')
    .argument('<suites...>', 'suite files (kind: PolicyTest)')
    .option('--kube-version <version>', `Kubernetes version policies compile for (default ${DEFAULT_KUBE_VERSION})`)
    .option('-q, --quiet', 'print only failing cases')
    .action(async (suites: string[], flags: { kubeVersion?: string; quiet?: boolean }) => {
      const { runSuite } = await import('./policy-verify.js');
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
    .action(async (flags: PolicyFlags & { output?: string }) => (await import('./policy-run.js')).runExport(flags));
}
