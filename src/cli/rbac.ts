import { existsSync, statSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { Config } from '../core/config.js';
import { escapeControl } from '../core/sanitize.js';
import { InputError } from '../core/errors.js';
import { oneLine } from '../core/sanitize.js';
import { auditLogWarnings, readAuditLogs } from '../load/audit-log.js';
import { parseRfc3339 } from '../detect/audit.js';
import { generateRbac, renderGeneratedRbac } from '../rbac/generate.js';
import { lineMayConcern, SubjectActivity, type ActivityWindow } from '../rbac/observed.js';
import { usageDiff } from '../rbac/usage.js';
import { engineWith, verifyGenerated } from '../rbac/verify.js';
import { renderUsage, USAGE_FORMATS } from '../report/rbac-usage.js';
import type { LoadResult } from '../load/sources.js';
import { describeRequest, type RequestAttributes } from '../rbac/authorizer.js';
import {
  auditMetrics,
  bindingRefJson,
  buildEngine,
  BUILTIN_ROLES_MODES,
  describeRule,
  describeSubject,
  identityOf,
  parseSubject,
  rbacFindings,
  rbacRuleMetas,
  roleRefJson,
  ruleJson,
  type BuiltinRolesMode,
  type Decision,
  type RbacEngine,
  type WhoCanSubject,
  userIdentity,
  type Identity,
  type SubjectRef,
} from '../rbac/index.js';
import { describeRbacRef } from '../rbac/model.js';
import { requestNamespace, resolveResource } from '../rbac/resources.js';
import { SUBJECT_SYNTAX, SYSTEM_MASTERS } from '../rbac/subject.js';
import { buildReport } from '../report/index.js';
import { alignColumns } from '../report/table.js';
import {
  addLiveOptions,
  addReportOptions,
  addSourceOptionsWithReleaseNamespace,
  collect,
  emitReport,
  loadFromFlagsAndCluster,
  type InputFlags,
  type LiveFlags,
  type ReportFlags,
  type SourceFlags,
} from './options.js';
import { warnAll, writeOutput } from './output.js';

interface RbacSourceFlags extends SourceFlags, InputFlags, LiveFlags {
  releaseNamespace?: string;
  builtinRoles?: BuiltinRolesMode;
}

interface QueryFlags extends RbacSourceFlags {
  apiGroup?: string;
  namespace?: string;
  allNamespaces?: boolean;
  name?: string;
  group?: string[];
  format?: 'table' | 'json';
  quiet?: boolean;
}

interface AnalysisFlags extends RbacSourceFlags, ReportFlags {
  includeDefaults?: boolean;
  execRequiresCreate?: boolean;
}


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

async function loadRbacSources(sources: string[], flags: RbacSourceFlags): Promise<{ config: Config; loaded: LoadResult; engine: RbacEngine }> {
  const { config, loaded } = await loadFromFlagsAndCluster(sources, { ...flags, namespace: flags.releaseNamespace });
  const engine = buildEngine(loaded.inventory, { builtinRoles: flags.builtinRoles });
  return { config, loaded, engine };
}

/** The request the arguments describe, with the warnings kubectl would print. */
function requestOf(verb: string, resourceText: string, flags: QueryFlags, engine: RbacEngine): { attributes: RequestAttributes; warnings: string[] } {
  if (flags.allNamespaces && flags.namespace) throw new InputError('-n and -A exclude each other');
  const verbWarning = verb !== verb.toLowerCase() ? [`verbs are case-sensitive: "${verb}" matches only rules that list "${verb}" (or *)`] : [];
  const result = requestOfResource(verb, resourceText, flags, engine);
  return { attributes: result.attributes, warnings: [...verbWarning, ...result.warnings] };
}

function requestOfResource(verb: string, resourceText: string, flags: QueryFlags, engine: RbacEngine): { attributes: RequestAttributes; warnings: string[] } {
  if (resourceText.startsWith('/')) {
    if (flags.apiGroup !== undefined || flags.name !== undefined) throw new InputError(`${resourceText} is a non-resource URL: --api-group and --name do not apply`);
    return { attributes: { verb, path: resourceText, namespace: '' }, warnings: flags.namespace ? [`${resourceText} is a non-resource URL: -n is ignored`] : [] };
  }
  const resolved = resolveResource(resourceText, flags.apiGroup, engine.inventory);
  const scope = requestNamespace(resolved, flags);
  const attributes: RequestAttributes = { verb, apiGroup: resolved.apiGroup, resource: resolved.resource, subresource: resolved.subresource, name: flags.name ?? '', namespace: scope.namespace };
  return { attributes, warnings: [resolved.warning, scope.warning].filter((warning): warning is string => Boolean(warning)) };
}

function canJson(decision: Decision): Record<string, unknown> {
  const json: Record<string, unknown> = {
    allowed: decision.allowed,
    reasons: decision.reasons.map((reason) => ({ binding: bindingRefJson(reason.binding), role: { kind: reason.role.kind, name: reason.role.name }, rule: ruleJson(reason.rule) })),
  };
  if (decision.privileged) json.privileged = true;
  return json;
}

function canText(decision: Decision, who: string, attributes: RequestAttributes): string {
  const lines = [decision.allowed ? 'yes' : 'no'];
  if (decision.privileged) lines.push('  member of system:masters: allowed before any RBAC rule');
  for (const reason of decision.reasons) lines.push(`  ${describeRbacRef(bindingRefJson(reason.binding))} → ${describeRbacRef(roleRefJson(reason.role))}: ${describeRule(reason.rule)}`);
  if (!decision.allowed) lines.push(`  no RBAC rule lets ${who} ${describeRequest(attributes)} (RBAC only: a Node or webhook authorizer may still allow it)`);
  return lines.map(escapeControl).join('\n') + '\n';
}

function whoCanJson(subjects: WhoCanSubject[]): Record<string, unknown> {
  return {
    subjects: subjects.map((entry) => ({
      ...entry.subject,
      ...(entry.privileged ? { privileged: true } : {}),
      via: entry.via.map((via) => ({ binding: bindingRefJson(via.binding), role: { kind: via.role.kind, name: via.role.name } })),
    })),
  };
}

function whoCanTable(subjects: WhoCanSubject[]): string {
  const rows = subjects.map((entry) => [
    entry.subject.kind,
    entry.subject.name,
    entry.subject.namespace ?? '',
    [entry.privileged ? 'system:masters (always allowed)' : '', ...entry.via.map((via) => `${describeRbacRef(bindingRefJson(via.binding))} → ${describeRbacRef(roleRefJson(via.role))}`)].filter(Boolean).join('; '),
  ]);
  return alignColumns([['KIND', 'NAME', 'NAMESPACE', 'VIA'], ...rows.map((row) => row.map(escapeControl))]);
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
  command.action(async (subjectText: string, verb: string, resourceText: string, sources: string[], flags: QueryFlags) => {
    const subject = parseSubject(subjectText);
    const { loaded, engine } = await loadRbacSources(sources, flags);
    const { attributes, warnings } = requestOf(verb, resourceText, flags, engine);
    warnAll([...loaded.warnings, ...engine.warnings, ...warnings], flags.quiet);
    const decision = engine.can(identityOf(subject, flags.group ?? []), attributes);
    writeOutput(flags.format === 'json' ? JSON.stringify(canJson(decision), null, 2) + '\n' : canText(decision, describeSubject(subject), attributes));
    process.exitCode = decision.allowed ? 0 : 1;
  });
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
  command.action(async (verb: string, resourceText: string, sources: string[], flags: QueryFlags) => {
    const { loaded, engine } = await loadRbacSources(sources, flags);
    const { attributes, warnings } = requestOf(verb, resourceText, flags, engine);
    warnAll([...loaded.warnings, ...engine.warnings, ...warnings], flags.quiet);
    const subjects = engine.whoCan(attributes);
    writeOutput(flags.format === 'json' ? JSON.stringify(whoCanJson(subjects), null, 2) + '\n' : whoCanTable(subjects));
  });
}

function addAnalysisOptions(command: Command, formats?: readonly string[]): Command {
  addReportOptions(command, formats);
  addRbacSourceOptions(command);
  return command
    .option('--include-defaults', "also report the grants of Kubernetes' own bootstrap bindings (controllers, system:masters)")
    .option('--exec-requires-create', 'the cluster runs Kubernetes 1.35+ with AuthorizePodWebsocketUpgradeCreatePermission on: get on pods/exec and pods/attach no longer allows exec');
}

/** Loads, analyses and builds the findings report shared by `rbac risks` and `audit`. */
async function riskReport(sources: string[], flags: AnalysisFlags, title: string) {
  const { config, loaded, engine } = await loadRbacSources(sources, flags);
  const options = { includeDefaults: flags.includeDefaults ?? false, execWithGet: !flags.execRequiresCreate, ignores: config.ignore };
  const report = buildReport({
    sources: loaded.sources.map((source) => source.path),
    findings: rbacFindings(engine, options),
    rules: rbacRuleMetas(options),
    warnings: [...loaded.warnings, ...engine.warnings],
    title,
  });
  return { config, report, engine, options };
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
  command.action(async (sources: string[], flags: AnalysisFlags) => {
    const { config, report } = await riskReport(sources, flags, 'kubeward rbac risks');
    emitReport(report, flags, config);
  });
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
  command.action(async (sources: string[], flags: AnalysisFlags) => {
    const { config, report, engine, options } = await riskReport(sources, flags, 'kubeward audit');
    report.metrics = auditMetrics(engine, options);
    emitReport(report, flags, config);
  });
}

// ---- least privilege from audit logs (issue 13) ---------------------------------------------------

interface EvidenceFlags extends RbacSourceFlags {
  auditLog?: string[];
  subject?: string;
  since?: string;
  until?: string;
  quiet?: boolean;
}

/** `--since`/`--until`: an RFC 3339 time, a date (midnight UTC), or a duration before now (`90m`, `24h`, `7d`). */
export function parseTimeFlag(text: string, flag: string, now = Date.now()): number {
  const time = parseRfc3339(text);
  if (!Number.isNaN(time)) return time;
  if (/^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`))) return Date.parse(`${text}T00:00:00Z`);
  const ago = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(text);
  if (ago) return now - Number(ago[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[ago[2] as 's' | 'm' | 'h' | 'd'];
  throw new InputError(`${flag} must be an RFC 3339 time (2026-03-01T10:00:00Z), a date (2026-03-01) or a duration before now (90m, 24h, 7d); got "${text}"`);
}

function addEvidenceOptions(command: Command): Command {
  return command
    .requiredOption('--audit-log <files...>', 'API server audit logs (JSON lines, the log backend; - for stdin)')
    .requiredOption('--subject <subject>', SUBJECT_SYNTAX)
    .option('--since <time>', 'leave out requests before this: RFC 3339, a date, or a duration before now (24h, 7d)')
    .option('--until <time>', 'leave out requests after this');
}

/** The subject's requests in the audit logs. Exit 1 ("no requests by …") when it made none in the window. */
async function readEvidence(flags: EvidenceFlags): Promise<{ subject: SubjectRef; window: ActivityWindow; activity: SubjectActivity; logs: string[] }> {
  const subject = parseSubject(flags.subject ?? '');
  const window: ActivityWindow = {};
  if (flags.since) window.since = parseTimeFlag(flags.since, '--since');
  if (flags.until) window.until = parseTimeFlag(flags.until, '--until');
  if (window.since !== undefined && window.until !== undefined && window.since > window.until) throw new InputError('--since is after --until');
  const logs = flags.auditLog ?? [];
  for (const log of logs) if (log !== '-' && existsSync(log) && statSync(log).isDirectory()) throw new InputError(`${log} is a directory: --audit-log takes files (put SOURCES before --audit-log, or end its list with --)`);
  const activity = new SubjectActivity(subject, window);
  const stats = await readAuditLogs(logs, (event) => activity.add(event), lineMayConcern(subject));
  warnAll(auditLogWarnings(stats), flags.quiet);
  if (activity.stats.requests === 0) {
    const outside = activity.stats.outsideWindow ? `; ${activity.stats.outsideWindow} outside --since/--until` : '';
    const lines = stats.reduce((sum, file) => sum + file.lines, 0);
    throw new NoRequestsError(`no requests by ${describeSubject(subject)} in ${logs.join(', ')} (${lines.toLocaleString('en')} log lines read${outside})`);
  }
  return { subject, window, activity, logs };
}

/** Not bad input but nothing to work on: one line, exit 1. */
class NoRequestsError extends Error {}

async function exitOneOnNoRequests(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (!(error instanceof NoRequestsError)) throw error;
    process.stderr.write(`kubeward: ${oneLine(error.message)}\n`);
    process.exitCode = 1;
  }
}

/** The identity the requests were authorized as: a user with the groups its requests carried (but not system:masters, which allows before RBAC). */
function identityFor(subject: SubjectRef, observedGroups: ReadonlySet<string>): Identity {
  if (subject.kind !== 'User') return identityOf(subject);
  return userIdentity(subject.name, [...observedGroups].filter((group) => group !== SYSTEM_MASTERS));
}

interface GenerateFlags extends EvidenceFlags {
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
  command.action((flags: GenerateFlags) => exitOneOnNoRequests(() => runGenerate(flags)));
}

async function runGenerate(flags: GenerateFlags): Promise<void> {
  const { subject, window, activity, logs } = await readEvidence(flags);
  const live = flags.context !== undefined || flags.kubeconfig !== undefined;
  const cluster = flags.cluster?.length || live ? await loadRbacSources(flags.cluster ?? [], flags) : undefined;
  if (cluster) warnAll([...cluster.loaded.warnings, ...cluster.engine.warnings], flags.quiet);
  const identity = identityFor(subject, activity.groups);
  const notes: string[] = [];
  if (activity.groups.has(SYSTEM_MASTERS)) notes.push(`the subject's requests carried the group ${SYSTEM_MASTERS}, which is allowed everything before RBAC: these roles are what it needs without it`);
  const observed = activity.requests();
  const wanted = observed.filter((request) => request.allowed > 0 || (flags.includeDenied && request.denied > 0));
  if (wanted.length === 0) throw new NoRequestsError(`no allowed requests by ${describeSubject(subject)} (${activity.stats.denied} denied: --include-denied generates roles for them)`);
  const verifyOptions = { cluster: cluster?.loaded.inventory, engine: { builtinRoles: flags.builtinRoles }, execWithGet: !flags.execRequiresCreate };
  const baseline = cluster ? engineWith([], subject, verifyOptions).baseline : undefined;
  const alreadyAllowed = baseline ? wanted.filter((request) => baseline.can(identity, request.attributes).allowed) : [];
  const generatedFor = wanted.filter((request) => !alreadyAllowed.includes(request));
  const generated = generateRbac(subject, generatedFor, { name: flags.name });
  const verification = verifyGenerated(generated, subject, identity, wanted, verifyOptions);
  if (verification.notAllowed.length || verification.unjustified.length) {
    const problems = [...verification.notAllowed.map((request) => `does not allow ${describeRequest(request.attributes)}`), ...verification.unjustified.map((risk) => `carries ${risk.id} that no observed request needed`)];
    throw new Error(`the generated roles failed their verification: they ${problems.slice(0, 3).join('; ')}`);
  }
  const text = renderGeneratedRbac(generated, { subject, logs, window, stats: activity.stats, generatedFor, alreadyAllowed, includeDenied: flags.includeDenied ?? false, verification, notes });
  writeOutput(text, flags.output);
}

interface DiffFlags extends EvidenceFlags {
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
  command.action((sources: string[], flags: DiffFlags) => exitOneOnNoRequests(() => runDiff(sources, flags)));
}

async function runDiff(sources: string[], flags: DiffFlags): Promise<void> {
  const { subject, window, activity, logs } = await readEvidence(flags);
  const { loaded, engine } = await loadRbacSources(sources, flags);
  warnAll([...loaded.warnings, ...engine.warnings], flags.quiet);
  const diff = usageDiff(engine, identityFor(subject, activity.groups), subject, activity.requests(), { includeDefaults: flags.includeDefaults, execWithGet: !flags.execRequiresCreate });
  if (diff.deniedButAllowed.length) warnAll([`${diff.deniedButAllowed.length} requests the log shows denied are allowed by the sources: they are not the RBAC the cluster had then (${describeRequest(diff.deniedButAllowed[0].attributes)}${diff.deniedButAllowed.length > 1 ? ', …' : ''})`], flags.quiet);
  writeOutput(renderUsage(diff, flags.format ?? 'table', { logs, window, stats: activity.stats }), flags.output);
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
