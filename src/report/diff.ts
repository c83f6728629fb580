/**
 * `kubeward diff` reports: table (a terminal), json (the scan contract's keys first, then the
 * changes), markdown (a pull-request comment). One DiffResult, three renderings.
 */
import type { BaselineFinding } from '../core/baseline.js';
import { summarize } from '../core/finding.js';
import { describeRef } from '../core/object.js';
import { SEVERITIES } from '../core/severity.js';
import { escapeControl as safe } from '../core/sanitize.js';
import { VERSION } from '../core/version.js';
import { describePermissionChanges, type DiffResult, type FieldChange, type ObjectChange, type PermissionChange } from '../diff/index.js';
import { requestAttributesJson } from '../rbac/authorizer.js';
import { describeSubject } from '../rbac/subject.js';
import { DIFF_FORMATS } from './formats.js';
import { findingJson } from './json.js';
import { cell, SEVERITY_ICON } from './markdown.js';
import { sortFindings } from './report.js';
import { paintSeverity } from './table.js';

export { DIFF_FORMATS };

export function renderDiff(result: DiffResult, format: string, options: { color?: boolean } = {}): string {
  if (format === 'json') return renderDiffJson(result);
  if (format === 'markdown') return renderDiffMarkdown(result);
  return renderDiffTable(result, options);
}

function permissionJson(change: PermissionChange): Record<string, unknown> {
  return { ...requestAttributesJson(change.request), binding: change.binding, role: change.role };
}

function resolvedJson(finding: BaselineFinding): Record<string, unknown> {
  return { ruleId: finding.ruleId, severity: finding.severity, message: finding.message, object: finding.object, fingerprint: finding.fingerprint };
}

export function renderDiffJson(result: DiffResult): string {
  const findings = sortFindings(result.findings);
  const body: Record<string, unknown> = {
    kubeward: VERSION,
    findings: findings.map(findingJson),
    summary: summarize(findings),
    old: result.old,
    new: result.new,
    changes: {
      permissions: result.permissions.map((entry) => ({ subject: entry.subject, gained: entry.gained.map(permissionJson), lost: entry.lost.map(permissionJson) })),
      containers: result.workloads.containers,
      images: result.workloads.images,
      registries: result.workloads.registries,
      hooks: result.workloads.hooks,
      tokens: result.workloads.tokens,
      exposure: result.exposure,
    },
    resolved: result.resolved.map(resolvedJson),
  };
  if (result.warnings.length) body.warnings = result.warnings;
  return JSON.stringify(body, null, 2) + '\n';
}

function fieldText(field: FieldChange): string {
  if (field.before === undefined) return `${field.field}: ${field.after} (new)`;
  if (field.after === undefined) return `${field.field}: ${field.before} (gone)`;
  return `${field.field}: ${field.before} → ${field.after}`;
}

function objectChangeLines(change: ObjectChange): string[] {
  return [`${describeRef(change.object)} (${change.change})`, ...change.fields.map((field) => `  ${fieldText(field)}`)];
}

/** Every section as plain lines, shared by the table and the Markdown comment. */
function sections(result: DiffResult): { title: string; lines: string[] }[] {
  const { workloads } = result;
  const registryLines = [
    ...workloads.registries.added.map((registry) => `+ ${registry} (new registry)`),
    ...workloads.registries.removed.map((registry) => `- ${registry} (no longer used)`),
  ];
  return [
    {
      title: 'Permissions (RBAC engine: per subject, what it can do now and could not before)',
      lines: result.permissions.flatMap((entry) => [
        describeSubject(entry.subject),
        ...describePermissionChanges(entry.gained).map((line) => `  + ${line}`),
        ...describePermissionChanges(entry.lost).map((line) => `  - ${line}`),
      ]),
    },
    { title: 'Workloads and containers', lines: workloads.containers.flatMap(objectChangeLines) },
    {
      title: 'Images and registries',
      lines: [
        ...workloads.images.map((image) => `${describeRef(image.object)} container ${image.container}: ${image.before ?? '(none)'} → ${image.after ?? '(removed)'}`),
        ...registryLines,
      ],
    },
    { title: 'Helm hooks', lines: workloads.hooks.flatMap(objectChangeLines) },
    {
      title: 'ServiceAccount tokens',
      lines: workloads.tokens.map((token) => `${token.change === 'gained' ? '+' : '-'} ${describeRef(token.object)} container ${token.container} ${token.change === 'gained' ? 'now holds' : 'no longer holds'} ${token.token}`),
    },
    { title: 'Exposure (NetworkPolicy engine: connections allowed now and not before)', lines: result.exposure.map((change) => `${change.from} => ${change.to} : ${change.conn}`) },
  ].filter((section) => section.lines.length > 0);
}

export function renderDiffTable(result: DiffResult, options: { color?: boolean } = {}): string {
  const paint = (severity: (typeof SEVERITIES)[number], text: string) => (options.color ? paintSeverity(severity, text) : text);
  const findings = sortFindings(result.findings);
  const out = [safe(`kubeward diff ${result.old} → ${result.new}`), ''];
  if (findings.length) {
    out.push(`New findings (${findings.length})`);
    const width = Math.max(...findings.map((finding) => finding.ruleId.length));
    for (const finding of findings) {
      const text = `  ${paint(finding.severity, finding.severity.toUpperCase().padEnd(8))} ${finding.ruleId.padEnd(width)} ${safe(`${describeRef(finding.object)}: ${finding.message}`)}`;
      out.push(finding.suppressed ? `${text} (suppressed: ${safe(finding.suppression?.reason || 'no reason')})` : text);
    }
    out.push('');
  }
  for (const section of sections(result)) out.push(section.title, ...section.lines.map((line) => `  ${safe(line)}`), '');
  if (result.resolved.length) {
    out.push(`Resolved findings (${result.resolved.length})`, ...result.resolved.map((finding) => `  ${finding.severity.toUpperCase().padEnd(8)} ${finding.ruleId} ${safe(`${describeRef(finding.object)}: ${finding.message}`)}`), '');
  }
  out.push(verdict(result));
  return out.join('\n') + '\n';
}

function verdict(result: DiffResult): string {
  const counts = summarize(result.findings);
  const open = SEVERITIES.reduce((sum, severity) => sum + counts[severity], 0);
  const resolved = result.resolved.length ? ` ${result.resolved.length} resolved.` : '';
  if (!open) return `No new findings.${resolved}`;
  return `${open} new finding${open === 1 ? '' : 's'}: ${SEVERITIES.filter((severity) => counts[severity]).map((severity) => `${counts[severity]} ${severity}`).join(', ')}.${resolved}`;
}

export function renderDiffMarkdown(result: DiffResult): string {
  const findings = sortFindings(result.findings).filter((finding) => !finding.suppressed);
  const out = [safe(`### kubeward diff: \`${result.old.replace(/`/g, "'")}\` → \`${result.new.replace(/`/g, "'")}\``), '', `**${verdict(result)}**`, ''];
  if (findings.length) {
    out.push('| severity | rule | object | message |', '| --- | --- | --- | --- |');
    for (const finding of findings) out.push(`| ${SEVERITY_ICON[finding.severity]} ${finding.severity} | \`${finding.ruleId}\` | ${cell(describeRef(finding.object))} | ${cell(finding.message)} |`);
    out.push('');
  }
  for (const section of sections(result)) {
    out.push(`#### ${section.title}`, '', '```diff', ...section.lines.map((line) => safe(/^[+-] /.test(line.trim()) ? line.trim() : `  ${line}`)), '```', '');
  }
  if (result.resolved.length) {
    out.push(`<details><summary>${result.resolved.length} resolved finding${result.resolved.length === 1 ? '' : 's'}</summary>`, '', '| severity | rule | object | message |', '| --- | --- | --- | --- |');
    for (const finding of result.resolved) out.push(`| ${finding.severity} | \`${finding.ruleId}\` | ${cell(describeRef(finding.object))} | ${cell(finding.message)} |`);
    out.push('', '</details>', '');
  }
  if (result.warnings.length) out.push(`<details><summary>${result.warnings.length} warning${result.warnings.length === 1 ? '' : 's'}</summary>`, '', ...result.warnings.map((warning) => `- ${cell(warning)}`), '', '</details>', '');
  out.push(`<sub>kubeward ${VERSION}</sub>`, '');
  return out.join('\n');
}
