/** What the `kubeward rbac` commands and `kubeward audit` do, loaded when one runs (rbac.ts defines them). */
import { existsSync, statSync } from 'node:fs';
import type { Config } from '../core/config.js';
import { suppressionsOf } from '../rules/suppress.js';
import { escapeControl } from '../core/sanitize.js';
import { InputError } from '../core/errors.js';
import { oneLine } from '../core/sanitize.js';
import { auditLogWarnings, readAuditLogs } from '../load/audit-log.js';
import { parseRfc3339 } from '../detect/audit.js';
import { generateRbac, renderGeneratedRbac } from '../rbac/generate.js';
import { lineMayConcern, SubjectActivity, type ActivityWindow } from '../rbac/observed.js';
import { usageDiff } from '../rbac/usage.js';
import { engineWith, verifyGenerated } from '../rbac/verify.js';
import { renderUsage } from '../report/rbac-usage.js';
import type { LoadResult } from '../load/sources.js';
import { describeRequest, type RequestAttributes } from '../rbac/authorizer.js';
import {
  auditMetrics,
  bindingRefJson,
  buildEngine,
  describeRule,
  describeSubject,
  identityOf,
  parseSubject,
  rbacFindings,
  rbacRuleMetas,
  roleRefJson,
  ruleJson,
  type Decision,
  type RbacEngine,
  type WhoCanSubject,
  userIdentity,
  type Identity,
  type SubjectRef,
} from '../rbac/index.js';
import { describeRbacRef } from '../rbac/model.js';
import { requestNamespace, resolveResource } from '../rbac/resources.js';
import { SYSTEM_MASTERS } from '../rbac/subject.js';
import { buildReport } from '../report/index.js';
import { alignColumns } from '../report/table.js';
import { emitReport, loadFromFlagsAndCluster } from './options.js';
import { warnAll, writeOutput } from './output.js';
import type { AnalysisFlags, DiffFlags, EvidenceFlags, GenerateFlags, QueryFlags, RbacSourceFlags } from './rbac.js';

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

/** Loads, analyses and builds the findings report shared by `rbac risks` and `audit`. */
async function riskReport(sources: string[], flags: AnalysisFlags, title: string) {
  const { config, loaded, engine } = await loadRbacSources(sources, flags);
  const options = { includeDefaults: flags.includeDefaults ?? false, execWithGet: !flags.execRequiresCreate, ...suppressionsOf(config) };
  const report = buildReport({
    sources: loaded.sources.map((source) => source.path),
    findings: rbacFindings(engine, options),
    rules: rbacRuleMetas(options),
    warnings: [...loaded.warnings, ...engine.warnings],
    title,
  });
  return { config, report, engine, options };
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

async function generate(flags: GenerateFlags): Promise<void> {
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

async function usageReport(sources: string[], flags: DiffFlags): Promise<void> {
  const { subject, window, activity, logs } = await readEvidence(flags);
  const { loaded, engine } = await loadRbacSources(sources, flags);
  warnAll([...loaded.warnings, ...engine.warnings], flags.quiet);
  const diff = usageDiff(engine, identityFor(subject, activity.groups), subject, activity.requests(), { includeDefaults: flags.includeDefaults, execWithGet: !flags.execRequiresCreate });
  if (diff.deniedButAllowed.length) warnAll([`${diff.deniedButAllowed.length} requests the log shows denied are allowed by the sources: they are not the RBAC the cluster had then (${describeRequest(diff.deniedButAllowed[0].attributes)}${diff.deniedButAllowed.length > 1 ? ', …' : ''})`], flags.quiet);
  writeOutput(renderUsage(diff, flags.format ?? 'table', { logs, window, stats: activity.stats }), flags.output);
}

/** `kubeward rbac can`: yes or no, and the bindings that allow it (exit 1 on no). */
export async function runCan(subjectText: string, verb: string, resourceText: string, sources: string[], flags: QueryFlags): Promise<void> {
  const subject = parseSubject(subjectText);
  const { loaded, engine } = await loadRbacSources(sources, flags);
  const { attributes, warnings } = requestOf(verb, resourceText, flags, engine);
  warnAll([...loaded.warnings, ...engine.warnings, ...warnings], flags.quiet);
  const decision = engine.can(identityOf(subject, flags.group ?? []), attributes);
  writeOutput(flags.format === 'json' ? JSON.stringify(canJson(decision), null, 2) + '\n' : canText(decision, describeSubject(subject), attributes));
  process.exitCode = decision.allowed ? 0 : 1;
}

/** `kubeward rbac who-can`: the subjects that may, and through which bindings. */
export async function runWhoCan(verb: string, resourceText: string, sources: string[], flags: QueryFlags): Promise<void> {
  const { loaded, engine } = await loadRbacSources(sources, flags);
  const { attributes, warnings } = requestOf(verb, resourceText, flags, engine);
  warnAll([...loaded.warnings, ...engine.warnings, ...warnings], flags.quiet);
  const subjects = engine.whoCan(attributes);
  writeOutput(flags.format === 'json' ? JSON.stringify(whoCanJson(subjects), null, 2) + '\n' : whoCanTable(subjects));
}

/** `kubeward rbac risks`: the findings report. */
export async function runRisks(sources: string[], flags: AnalysisFlags): Promise<void> {
  const { config, report } = await riskReport(sources, flags, 'kubeward rbac risks');
  await emitReport(report, flags, config);
}

/** `kubeward audit`: the findings report with the battlecard's metrics. */
export async function runAudit(sources: string[], flags: AnalysisFlags): Promise<void> {
  const { config, report, engine, options } = await riskReport(sources, flags, 'kubeward audit');
  report.metrics = auditMetrics(engine, options);
  await emitReport(report, flags, config);
}

/** `kubeward rbac generate` (exit 1 when the subject made no requests). */
export function runGenerate(flags: GenerateFlags): Promise<void> {
  return exitOneOnNoRequests(() => generate(flags));
}

/** `kubeward rbac diff` (exit 1 when the subject made no requests). */
export function runDiff(sources: string[], flags: DiffFlags): Promise<void> {
  return exitOneOnNoRequests(() => usageReport(sources, flags));
}
