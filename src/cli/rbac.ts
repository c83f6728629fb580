import { Command, Option } from 'commander';
import type { Config } from '../core/config.js';
import { InputError } from '../core/errors.js';
import { loadCluster, mergeLoadResults } from '../load/cluster.js';
import { loadConfig } from '../load/config.js';
import type { LoadResult } from '../load/sources.js';
import type { RequestAttributes } from '../rbac/authorizer.js';
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
} from '../rbac/index.js';
import { describeRbacRef } from '../rbac/model.js';
import { requestNamespace, resolveResource } from '../rbac/resources.js';
import { SUBJECT_SYNTAX } from '../rbac/subject.js';
import { buildReport } from '../report/index.js';
import { addReportOptions, addSourceOptionsWithReleaseNamespace, collect, emitReport, loadFromFlags, type ReportFlags, type SourceFlags } from './options.js';
import { warnAll, writeOutput } from './output.js';

interface RbacSourceFlags extends SourceFlags {
  releaseNamespace?: string;
  context?: string;
  kubeconfig?: string;
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
  return command
    .option('--context <name>', 'read the live cluster of this kubeconfig context')
    .option('--kubeconfig <file>', 'kubeconfig to read the live cluster with (default: $KUBECONFIG, ~/.kube/config)')
    .addOption(
      new Option('--builtin-roles <mode>', "assume Kubernetes' built-in roles (view, edit, system:auth-delegator…): auto = when the sources do not carry the cluster's own").choices(BUILTIN_ROLES_MODES as string[]).default('auto'),
    );
}

async function loadRbacSources(sources: string[], flags: RbacSourceFlags): Promise<{ config: Config; loaded: LoadResult; engine: RbacEngine }> {
  const live = flags.context !== undefined || flags.kubeconfig !== undefined;
  if (!live && sources.length === 0) throw new InputError('no source given: name files, directories, charts, cluster dumps, - for stdin, or read a cluster with --context/--kubeconfig');
  const parts: LoadResult[] = [];
  let config: Config;
  if (sources.length) {
    const fromFiles = await loadFromFlags(sources, { ...flags, namespace: flags.releaseNamespace });
    config = fromFiles.config;
    parts.push(fromFiles.loaded);
  } else {
    config = loadConfig(flags.config).config;
  }
  if (live) parts.push(await loadCluster({ context: flags.context, kubeconfig: flags.kubeconfig }));
  const loaded = parts.length === 1 ? parts[0] : mergeLoadResults(parts);
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

function describeRequest(attributes: RequestAttributes): string {
  if (attributes.path !== undefined) return `${attributes.verb} ${attributes.path}`;
  const resource = `${attributes.resource}${attributes.subresource ? `/${attributes.subresource}` : ''}${attributes.apiGroup ? `.${attributes.apiGroup}` : ''}`;
  const name = attributes.name ? ` named ${attributes.name}` : '';
  return `${attributes.verb} ${resource}${name} ${attributes.namespace ? `in namespace ${attributes.namespace}` : 'cluster-wide'}`;
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
  return lines.join('\n') + '\n';
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
  const table = [['KIND', 'NAME', 'NAMESPACE', 'VIA'], ...rows];
  const widths = [0, 1, 2].map((column) => Math.max(...table.map((row) => row[column].length)));
  return table.map((row) => row.map((cell, column) => (column < 3 ? cell.padEnd(widths[column]) : cell)).join('  ').trimEnd()).join('\n') + '\n';
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

/** `kubeward rbac can|who-can|risks` and `kubeward audit` (issue 3). */
export function registerRbac(program: Command): void {
  const rbac = program.command('rbac').description('ask the RBAC engine: can, who-can, risks');
  registerCan(rbac);
  registerWhoCan(rbac);
  registerRisks(rbac);
  registerAudit(program);
}
