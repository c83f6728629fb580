import { Command, Option } from 'commander';
import { BUILTIN_ROLES_MODES, type BuiltinRolesMode } from '../rbac/roles.js';
import { SUBJECT_SYNTAX } from '../rbac/subject.js';
import { USAGE_FORMATS } from '../report/formats.js';
import { addLiveOptions, addReportOptions, addSourceOptionsWithReleaseNamespace, addSuppressionOptions, collect, type InputFlags, type LiveFlags, type ReportFlags, type SourceFlags } from './options.js';

export interface RbacSourceFlags extends SourceFlags, InputFlags, LiveFlags {
  releaseNamespace?: string;
  builtinRoles?: BuiltinRolesMode;
}

export interface QueryFlags extends RbacSourceFlags {
  apiGroup?: string;
  namespace?: string;
  allNamespaces?: boolean;
  name?: string;
  group?: string[];
  format?: 'table' | 'json';
  quiet?: boolean;
}

export interface AnalysisFlags extends RbacSourceFlags, ReportFlags {
  includeDefaults?: boolean;
  execRequiresCreate?: boolean;
}

/** What the commands do: loaded when one runs, so that defining them loads no engine (issue 9). */
const run = () => import('./rbac-run.js');

const LIVE_HELP = `
Sources are files, directories, charts (rendered with helm), cluster dumps
(kubectl get roles,rolebindings,clusterroles,clusterrolebindings,serviceaccounts,pods,deployments -A -o json)
or - for stdin; --context/--kubeconfig reads a live cluster (with the sources, if any, added to it).
RBAC only: what the Node authorizer or an authorization webhook allows is not seen (a lower bound).`;

/** Options shared by every RBAC command: sources (helm namespace is --release-namespace), live cluster, built-in roles. */
function addRbacSourceOptions(command: Command): Command {
  addSourceOptionsWithReleaseNamespace(command);
  return addLiveOptions(command)
    .addOption(
      new Option('--builtin-roles <mode>', "assume Kubernetes' built-in roles (view, edit, system:auth-delegator…): auto = when the sources do not carry the cluster's own").choices(BUILTIN_ROLES_MODES as string[]).default('auto'),
    );
}

function registerCan(rbac: Command): void {
  const command = rbac
    .command('can')
    .description('can SUBJECT do VERB on RESOURCE? prints yes or no and the bindings that allow it, like kubectl auth can-i')
    .argument('<subject>', SUBJECT_SYNTAX)
    .argument('<verb>', 'the verb, exactly (get, list, create, escalate, bind, impersonate, *)')
    .argument('<resource>', 'RESOURCE[/SUBRESOURCE] or RESOURCE.GROUP, or a non-resource URL beginning with / (/healthz)')
    .argument('[sources...]', 'files, directories, charts, cluster dumps, - for stdin')
    .option('--api-group <group>', 'API group of the resource ("" is core; default: the group of a known resource)')
    .option('-n, --namespace <namespace>', 'namespace of the request (default: default; none for cluster-scoped resources)')
    .option('--name <name>', 'name of the object (rules with resourceNames only match named requests)')
    .option('--group <group>', 'a group the subject is in besides the implicit ones (repeatable)', collect)
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']))
    .option('-q, --quiet', 'do not print warnings')
    .addHelpText(
      'after',
      `
Exit codes: 0 yes, 1 no, 2 usage or input error (as kubectl auth can-i).
${LIVE_HELP}

Examples:
  kubeward rbac can ServiceAccount:tracing:fast-trace-agent list secrets -n payments-api ./fast-trace-agent
  kubeward rbac can User:alice --group devs create pods/exec -n shop cluster-dump.json
  kubeward rbac can Group:system:authenticated get /healthz --context prod`,
    );
  addRbacSourceOptions(command);
  command.action(async (subjectText, verb, resourceText, sources, flags) => (await run()).runCan(subjectText, verb, resourceText, sources, flags));
}

function registerWhoCan(rbac: Command): void {
  const command = rbac
    .command('who-can')
    .description('which subjects can do VERB on RESOURCE (Group system:masters always can)')
    .argument('<verb>', 'the verb, exactly')
    .argument('<resource>', 'RESOURCE[/SUBRESOURCE] or RESOURCE.GROUP, or a non-resource URL beginning with /')
    .argument('[sources...]', 'files, directories, charts, cluster dumps, - for stdin')
    .option('--api-group <group>', 'API group of the resource ("" is core; default: the group of a known resource)')
    .option('-n, --namespace <namespace>', 'namespace of the request: ClusterRoleBindings and the RoleBindings of this namespace count (default: default)')
    .option('-A, --all-namespaces', 'in every namespace at once: only ClusterRoleBindings count')
    .option('--name <name>', 'name of the object')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']))
    .option('-q, --quiet', 'do not print warnings')
    .addHelpText(
      'after',
      `
${LIVE_HELP}

Examples:
  kubeward rbac who-can list secrets -A cluster-dump.json
  kubeward rbac who-can create pods/exec -n payments-api ./manifests --format json
  kubeward rbac who-can escalate clusterroles --context prod`,
    );
  addRbacSourceOptions(command);
  command.action(async (verb, resourceText, sources, flags) => (await run()).runWhoCan(verb, resourceText, sources, flags));
}

function addAnalysisOptions(command: Command, formats?: readonly string[]): Command {
  addReportOptions(command, formats);
  addRbacSourceOptions(command);
  addSuppressionOptions(command);
  return command
    .option('--include-defaults', "also report the grants of Kubernetes' own bootstrap bindings (controllers, system:masters)")
    .option('--exec-requires-create', 'the cluster runs Kubernetes 1.35+ with AuthorizePodWebsocketUpgradeCreatePermission on: get on pods/exec and pods/attach no longer allows exec');
}

function registerRisks(rbac: Command): void {
  const command = rbac
    .command('risks')
    .description('report risky permissions, one finding per subject and risk, with its shortest escalation path')
    .argument('[sources...]', 'files, directories, charts, cluster dumps, - for stdin')
    .addHelpText(
      'after',
      `
Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or input error.
${LIVE_HELP}

Examples:
  kubeward rbac risks ./fast-trace-agent --release-namespace tracing
  kubeward rbac risks cluster-dump.json --format sarif -o rbac.sarif`,
    );
  addAnalysisOptions(command);
  command.action(async (sources, flags) => (await run()).runRisks(sources, flags));
}

function registerAudit(program: Command): void {
  const command = program
    .command('audit')
    .description("the Evaluation report of a cluster: RBAC risks plus the battlecard's metrics")
    .argument('[sources...]', 'cluster dumps, files, directories, charts, - for stdin (or --context)')
    .addHelpText(
      'after',
      `
Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or input error.
${LIVE_HELP}

Examples:
  kubeward audit --context prod --format markdown -o audit.md
  kubectl get roles,rolebindings,clusterroles,clusterrolebindings,serviceaccounts,pods,deployments,namespaces -A -o json | kubeward audit -`,
    );
  addAnalysisOptions(command, ['table', 'json', 'markdown']);
  command.action(async (sources, flags) => (await run()).runAudit(sources, flags));
}

// ---- least privilege from audit logs (issue 13) ---------------------------------------------------

export interface EvidenceFlags extends RbacSourceFlags {
  auditLog?: string[];
  subject?: string;
  since?: string;
  until?: string;
  quiet?: boolean;
}

function addEvidenceOptions(command: Command): Command {
  return command
    .requiredOption('--audit-log <files...>', 'API server audit logs (JSON lines, the log backend; - for stdin)')
    .requiredOption('--subject <subject>', SUBJECT_SYNTAX)
    .option('--since <time>', 'leave out requests before this: RFC 3339, a date, or a duration before now (24h, 7d)')
    .option('--until <time>', 'leave out requests after this');
}

export interface GenerateFlags extends EvidenceFlags {
  cluster?: string[];
  includeDenied?: boolean;
  name?: string;
  output?: string;
  execRequiresCreate?: boolean;
}

function registerGenerate(rbac: Command): void {
  const command = rbac
    .command('generate')
    .description('write the minimal Roles, ClusterRoles and bindings that allow what a subject did, from audit logs; verified by the RBAC engine')
    .option('--include-denied', 'also allow the requests the subject tried and was denied')
    .option('--cluster <sources...>', 'the cluster the roles are for (dump, manifests, charts): what its other bindings already allow is left out, and the roles are verified together with it')
    .option('--name <name>', 'name of the generated roles and bindings (default kubeward:<kind>:<subject>)')
    .option('-o, --output <file>', 'write to a file (atomically) instead of stdout')
    .option('--exec-requires-create', 'the cluster runs Kubernetes 1.35+: get on pods/exec no longer allows exec (for the risks named)')
    .option('-q, --quiet', 'do not print warnings')
    .addHelpText(
      'after',
      `
Requests in a namespace get a Role there; cluster-scoped requests, requests across all namespaces and
non-resource URLs a ClusterRole. resourceNames where every request of a verb named its object; verbs,
resources and subresources exactly as observed. The header says which window and how many requests the
roles cover, and names each RBAC risk they carry with the requests that needed it.

Exit codes: 0 written, 1 the subject made no requests in the logs (or none allowed), 2 usage or input error.

Examples:
  kubeward rbac generate --audit-log /var/log/kubernetes/audit.log --subject ServiceAccount:shop:api > rbac.yaml
  kubeward rbac generate --audit-log audit.log audit.log.1 --subject User:alice --since 7d --cluster dump.json`,
    );
  addEvidenceOptions(command);
  addRbacSourceOptions(command);
  command.action(async (flags) => (await run()).runGenerate(flags));
}

export interface DiffFlags extends EvidenceFlags {
  format?: string;
  output?: string;
  includeDefaults?: boolean;
  execRequiresCreate?: boolean;
}

function registerDiff(rbac: Command): void {
  const command = rbac
    .command('diff')
    .description('what a subject holds against what it used: "holds 14 permissions, used 3", the unused ones (riskiest first) with the binding that grants each')
    .argument('[sources...]', 'files, directories, charts, cluster dumps, - for stdin (or --context)')
    .addOption(new Option('--format <format>', 'output format').choices([...USAGE_FORMATS]).default('table'))
    .option('-o, --output <file>', 'write the report to a file (atomically) instead of stdout')
    .option('--include-defaults', "also count the grants of Kubernetes' own bootstrap bindings (discovery, basic-user)")
    .option('--exec-requires-create', 'the cluster runs Kubernetes 1.35+: get on pods/exec no longer allows exec')
    .option('-q, --quiet', 'do not print warnings')
    .addHelpText(
      'after',
      `
A permission is one verb on one resource (with at most one name) or non-resource URL, in one scope
(cluster-wide, or the namespace of a RoleBinding): upstream's rule breakdown. It is used when it allows
an observed request.

Exit codes: 0 reported, 1 the subject made no requests in the logs, 2 usage or input error.
${LIVE_HELP}

Examples:
  kubeward rbac diff ./fast-trace-agent --release-namespace tracing --audit-log audit.log --subject ServiceAccount:tracing:fast-trace-agent
  kubeward rbac diff --context prod --audit-log audit.log --subject User:alice --format markdown`,
    );
  addEvidenceOptions(command);
  addRbacSourceOptions(command);
  command.action(async (sources, flags) => (await run()).runDiff(sources, flags));
}

/** `kubeward rbac can|who-can|risks|generate|diff` and `kubeward audit` (issues 3 and 13). */
export function registerRbac(program: Command): void {
  const rbac = program.command('rbac').description('ask the RBAC engine: can, who-can, risks; least privilege from audit logs: generate, diff');
  registerCan(rbac);
  registerWhoCan(rbac);
  registerRisks(rbac);
  registerGenerate(rbac);
  registerDiff(rbac);
  registerAudit(program);
}
