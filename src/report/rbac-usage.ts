import { escapeControl } from '../core/sanitize.js';
import { VERSION } from '../core/version.js';
import { describeRequest, requestAttributesJson, type RequestAttributes } from '../rbac/authorizer.js';
import { bindingRefJson, describeRbacRef, roleRefJson } from '../rbac/model.js';
import type { ActivityStats, ActivityWindow, ObservedRequest } from '../rbac/observed.js';
import { describeSubject, subjectJson } from '../rbac/subject.js';
import type { HeldPermission, UsageDiff } from '../rbac/usage.js';
import { cell, code } from './markdown.js';
import { alignColumns } from './table.js';
import { USAGE_FORMATS } from './formats.js';

/**
 * `kubeward rbac diff`: "holds 14 permissions, used 3", then the unused permissions (the riskiest
 * first) with the bindings that grant each, the used ones with their request counts, and the
 * observed requests the sources' RBAC does not allow.
 */

export { USAGE_FORMATS };

export interface UsageContext {
  logs: readonly string[];
  window: ActivityWindow;
  stats: ActivityStats;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/** The permission as a request it allows: one verb, one resource or URL, one name at most, its scope. */
function permissionRequest(permission: HeldPermission): RequestAttributes {
  const { rule } = permission;
  if (rule.nonResourceURLs.length) return { verb: rule.verbs[0], path: rule.nonResourceURLs[0], namespace: '' };
  const [resource, ...sub] = rule.resources[0].split('/');
  return { verb: rule.verbs[0], apiGroup: rule.apiGroups[0], resource, subresource: sub.join('/'), name: rule.resourceNames[0] ?? '', namespace: permission.namespace };
}

export function describePermission(permission: HeldPermission): string {
  return describeRequest(permissionRequest(permission));
}

function grantedBy(permission: HeldPermission): string[] {
  return permission.grants.map((grant) => `${describeRbacRef(bindingRefJson(grant.binding))} → ${describeRbacRef(roleRefJson(grant.role))}`);
}

function headline(diff: UsageDiff): string {
  return `${describeSubject(diff.subject)} holds ${plural(diff.held.length, 'permission')}, used ${diff.used.toLocaleString('en')}`;
}

function observedLine(context: UsageContext): string {
  const { stats } = context;
  return `${context.logs.join(', ')}: ${plural(stats.requests, 'request')} from ${iso(stats.first)} to ${iso(stats.last)} (${stats.allowed.toLocaleString('en')} allowed, ${stats.denied.toLocaleString('en')} denied)`;
}

function outcome(request: ObservedRequest): string {
  return [request.allowed ? `${request.allowed} allowed` : '', request.denied ? `${request.denied} denied` : ''].filter(Boolean).join(', ');
}

/** Names in the human formats come from the log and the sources: controls shown as escapes. */
const safe = (rows: string[][]) => rows.map((row) => row.map(escapeControl));
const md = (text: string) => cell(escapeControl(text));

function renderTable(diff: UsageDiff, context: UsageContext): string {
  const unused = diff.held.filter((permission) => permission.requests === 0);
  const used = diff.held.filter((permission) => permission.requests > 0);
  const out = [escapeControl(headline(diff)), escapeControl(`audit ${context.logs.length === 1 ? 'log' : 'logs'} ${observedLine(context)}`), ''];
  if (diff.privileged) out.push('member of system:masters: allowed everything before RBAC, whatever it holds', '');
  if (unused.length) {
    out.push(`Unused (${unused.length}):`);
    const rows = unused.map((permission) => [permission.risks[0]?.severity ?? '-', permission.risks.map((risk) => risk.risk.id).join(',') || '-', describePermission(permission), grantedBy(permission).join('; ')]);
    out.push(alignColumns([['SEVERITY', 'RISK', 'PERMISSION', 'GRANTED BY'], ...safe(rows)]).trimEnd(), '');
  }
  if (used.length) {
    out.push(`Used (${used.length}):`);
    const rows = used.map((permission) => [permission.requests.toLocaleString('en'), describePermission(permission), grantedBy(permission).join('; ')]);
    out.push(alignColumns([['REQUESTS', 'PERMISSION', 'GRANTED BY'], ...safe(rows)]).trimEnd(), '');
  }
  if (diff.notHeld.length) {
    out.push(`Observed but not allowed by the sources' RBAC (${diff.notHeld.length}):`);
    out.push(alignColumns([['REQUEST', 'IN THE LOG'], ...safe(diff.notHeld.map((request) => [describeRequest(request.attributes), outcome(request)]))]).trimEnd(), '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function permissionJson(permission: HeldPermission): Record<string, unknown> {
  const { rule } = permission;
  const json: Record<string, unknown> = { verb: rule.verbs[0] };
  if (rule.nonResourceURLs.length) json.nonResourceURL = rule.nonResourceURLs[0];
  else {
    json.apiGroup = rule.apiGroups[0];
    json.resource = rule.resources[0];
    if (rule.resourceNames.length) json.resourceName = rule.resourceNames[0];
  }
  if (permission.namespace) json.namespace = permission.namespace;
  json.requests = permission.requests;
  json.risks = permission.risks.map((risk) => ({ id: risk.risk.id, severity: risk.severity }));
  json.grantedBy = permission.grants.map((grant) => ({ binding: bindingRefJson(grant.binding), role: roleRefJson(grant.role) }));
  return json;
}

function requestJson(request: ObservedRequest): Record<string, unknown> {
  return { ...requestAttributesJson(request.attributes), allowed: request.allowed, denied: request.denied };
}

function renderJson(diff: UsageDiff, context: UsageContext): string {
  const json = {
    kubeward: VERSION,
    subject: subjectJson(diff.subject),
    auditLogs: context.logs,
    window: { since: iso(context.window.since), until: iso(context.window.until), first: iso(context.stats.first), last: iso(context.stats.last) },
    requests: { total: context.stats.requests, allowed: context.stats.allowed, denied: context.stats.denied },
    held: diff.held.length,
    used: diff.used,
    ...(diff.privileged ? { privileged: true } : {}),
    unused: diff.held.filter((permission) => permission.requests === 0).map(permissionJson),
    usedPermissions: diff.held.filter((permission) => permission.requests > 0).map(permissionJson),
    notHeld: diff.notHeld.map(requestJson),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

function renderMarkdown(diff: UsageDiff, context: UsageContext): string {
  const unused = diff.held.filter((permission) => permission.requests === 0);
  const used = diff.held.filter((permission) => permission.requests > 0);
  const out = [`### ${md(headline(diff))}`, '', `Audit ${context.logs.length === 1 ? 'log' : 'logs'} ${md(observedLine(context))}.`, ''];
  if (diff.privileged) out.push('Member of `system:masters`: allowed everything before RBAC, whatever it holds.', '');
  if (unused.length) {
    out.push(`**Unused (${unused.length})**`, '', '| severity | risk | permission | granted by |', '| --- | --- | --- | --- |');
    for (const permission of unused) {
      out.push(`| ${permission.risks[0]?.severity ?? ''} | ${permission.risks.map((risk) => code(risk.risk.id)).join(' ')} | ${md(describePermission(permission))} | ${md(grantedBy(permission).join('; '))} |`);
    }
    out.push('');
  }
  if (used.length) {
    out.push(`**Used (${used.length})**`, '', '| requests | permission | granted by |', '| --- | --- | --- |');
    for (const permission of used) out.push(`| ${permission.requests} | ${md(describePermission(permission))} | ${md(grantedBy(permission).join('; '))} |`);
    out.push('');
  }
  if (diff.notHeld.length) {
    out.push(`**Observed but not allowed by the sources' RBAC (${diff.notHeld.length})**`, '', '| request | in the log |', '| --- | --- |');
    for (const request of diff.notHeld) out.push(`| ${md(describeRequest(request.attributes))} | ${outcome(request)} |`);
    out.push('');
  }
  return out.join('\n');
}

export function renderUsage(diff: UsageDiff, format: string, context: UsageContext): string {
  if (format === 'json') return renderJson(diff, context);
  if (format === 'markdown') return renderMarkdown(diff, context);
  return renderTable(diff, context);
}
