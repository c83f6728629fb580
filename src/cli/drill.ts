import { Command, InvalidArgumentError, Option } from 'commander';
import { DRILL_FORMATS, type DrillFormat } from '../report/formats.js';
import { addConfigOptions, addSuppressionOptions, collect, positiveInteger, type LiveFlags } from './options.js';

/** `--policies builtin` names the built-in pack among the team's policies. */
export const BUILTIN_POLICIES = 'builtin';

export interface DrillRunFlags extends LiveFlags {
  namespace?: string;
  cluster?: string[];
  config?: string | false;
  annotationSuppressions?: boolean;
  failOn?: 'critical' | 'high' | 'medium' | 'low' | 'info' | 'none';
  policies?: string[];
  params?: string[];
  rules?: string[];
  falcoRules?: string[];
  maxTtd: number;
  format?: DrillFormat;
  output?: string;
  quiet?: boolean;
}

function nonNegative(name: string) {
  return (value: string) => {
    const number = Number(value);
    if (!Number.isFinite(number) || number < 0) throw new InvalidArgumentError(`${name} must be a number of seconds`);
    return number;
  };
}

/** The options of `drill run` (and `drill tabletop`, which runs the same drill). */
export function addDrillRunOptions(command: Command): Command {
  command
    .option('-n, --namespace <namespace>', "namespace the chart is installed into (default: the scenario's)")
    .option('--cluster <sources...>', "the team's existing objects: NetworkPolicies, RBAC, Namespaces, ValidatingAdmissionPolicies, the kubernetes Service's EndpointSlice (files, folders, dumps)")
    .option('--context <name>', 'read the live cluster of this kubeconfig context (read-only)')
    .option('--kubeconfig <file>', 'kubeconfig to read the live cluster with');
  addConfigOptions(command, "the team's configuration: suppressions, disabled rules (default: nearest .kubeward.yaml upward)");
  return addSuppressionOptions(command)
    .addOption(new Option('--fail-on <severity>', "the team's CI threshold for scan and gate (default high)").choices(['critical', 'high', 'medium', 'low', 'info', 'none']))
    .option('--policies <path>', `the team's ValidatingAdmissionPolicies (repeatable; "${BUILTIN_POLICIES}": the built-in pack), besides those in --cluster`, collect)
    .option('--params <path>', 'param objects for the policies (repeatable)', collect)
    .option('--rules <file>', "the team's kubeward detection rules (repeatable; replace the built-in ones)", collect)
    .option('--falco-rules <file>', "the team's Falco rules for k8s_audit (repeatable; replace the built-in ones)", collect)
    .option('--max-ttd <seconds>', 'time to detect the attack must stay within', nonNegative('--max-ttd'), 60)
    .option('-q, --quiet', 'do not print warnings');
}

/** What the commands do: loaded when one runs, so that defining them loads no engine (issue 9). */
const actions = () => import('./drill-run.js');

export function registerDrill(program: Command): void {
  const drill = program.command('drill').description('replay the trojan-chart attack through your own defences: which stage stops it, which only sees it, and what to fix');

  drill
    .command('list')
    .description('the scenarios shipped with kubeward (drills/*.yaml) and their variants')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (flags) => (await actions()).runList(flags));

  const run = drill
    .command('run')
    .description('run the scenario through the five stages with the real engines and your inputs')
    .argument('<scenario>', 'a scenario name (kubeward drill list) or a scenario file (FILE#VARIANT for a variant in it)')
    .addOption(new Option('--format <format>', 'output format').choices([...DRILL_FORMATS]).default('table'))
    .option('-o, --output <file>', 'write the scorecard to a file (atomically) instead of stdout');
  addDrillRunOptions(run);
  run.addHelpText(
    'after',
    `
Stages, in order: recon (scan/gate of the chart at --fail-on with --config), evaluate (audit of the
cluster after the install), fortify (admission policies), limit (NetworkPolicy: API server, cluster
DNS, outside resolvers, internet), expose (detection rules on the attack's audit and DNS logs).

Exit codes: 0 some stage stops the attack or it is detected within --max-ttd, 1 it goes through
unstopped and unseen, 2 usage or input error.

Examples:
  kubeward drill run trojan-chart
  kubeward drill run trojan-chart --cluster cluster-dump.json --config .kubeward.yaml --format html -o drill.html
  kubeward drill run trojan-chart --fail-on none --policies builtin --rules team-rules.yaml --format json`,
  );
  run.action(async (reference, flags) => (await actions()).runDrillCommand(reference, flags));

  registerExercises(drill);
}

function registerExercises(drill: Command): void {
  const tabletop = drill
    .command('tabletop')
    .description('the tabletop runbook (markdown): injects in order with the alerts your rules raise, expected signals, questions per role, commands')
    .argument('<scenario>', 'a scenario name (kubeward drill list) or a scenario file')
    .option('-o, --output <file>', 'write the runbook to a file (atomically) instead of stdout');
  addDrillRunOptions(tabletop);
  tabletop.action(async (reference, flags) => (await actions()).runTabletop(reference, flags));

  drill
    .command('kit')
    .description('a live-fire kit for a non-production cluster: a harmless chart with a canary Secret, the audit policy and CoreDNS log settings, the replay commands')
    .argument('<scenario>', 'a scenario name (kubeward drill list) or a scenario file')
    .requiredOption('--out <dir>', 'the folder to write (new, or empty)')
    .option('-n, --namespace <namespace>', "namespace the kit is installed into (default: the scenario's)")
    .option('--domain <domain>', 'the harmless domain the marker is resolved under', 'kubeward-drill.invalid')
    .option('--queries <n>', 'how many names the sidecar resolves', positiveInteger('--queries'), 12)
    .action(async (reference, flags) => (await actions()).runKit(reference, flags));

  drill
    .command('score')
    .description('score live-fire drills: time to detect, time to remediate (MTTR), whether alerts named the pod and ServiceAccount, gaps, confidence; a post-mortem template')
    .requiredOption('--alerts <file>', 'alerts of one drill (kubeward detect --format json); repeat for several drills', collect)
    .requiredOption('--started <time>', 'when the drill started (RFC 3339); one per --alerts', collect)
    .requiredOption('--remediated <time>', 'when the team contained it (RFC 3339); one per --alerts', collect)
    .option('--survey <file>', 'developer-confidence answers, 1 to 5 (YAML or JSON: confidence: [4, 3, 5])')
    .option('--kit <dir>', 'the kit folder (its kit.json names the pod and the ServiceAccount to look for)')
    .option('--pod <ns/name-prefix>', 'the pod the alerts should name (without --kit)')
    .option('--service-account <ns/name>', 'the ServiceAccount the alerts should name (without --kit)')
    .option('--drill <file>', 'a kubeward drill run --format json result: its gaps join the post-mortem')
    .option('--max-ttd <seconds>', 'the time-to-detect target', nonNegative('--max-ttd'), 60)
    .addOption(new Option('--format <format>', 'output format').choices(['markdown', 'json']).default('markdown'))
    .option('-o, --output <file>', 'write to a file (atomically) instead of stdout')
    .action(async (flags) => (await actions()).runScore(flags));
}
