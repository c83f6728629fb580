import { styleText } from 'node:util';
import type { Finding } from '../core/finding.js';
import { escapeControl as safe } from '../core/sanitize.js';
import { SEVERITIES, type Severity } from '../core/severity.js';
import { objectLabel, type Report } from './report.js';

type Style = Parameters<typeof styleText>[0];
const SEVERITY_STYLE: Record<Severity, Style> = { critical: ['bold', 'red'], high: 'red', medium: 'yellow', low: 'cyan', info: 'gray' };

/** A severity's colour, the same for findings and alerts. */
export function paintSeverity(severity: Severity, text: string): string {
  return styleText(SEVERITY_STYLE[severity], text);
}

/** Rows as columns padded to their widest cell (the last column is not padded). */
export function alignColumns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, column) => (widths[column] = Math.max(widths[column] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, column) => (column < row.length - 1 ? cell.padEnd(widths[column]) : cell)).join('  ').trimEnd()).join('\n') + '\n';
}

/**
 * The human format: findings grouped by object, most severe object first; colour only when asked (a
 * TTY without NO_COLOR). Everything taken from the inputs (names, files, messages, reasons) has its
 * control characters escaped: a chart must not be able to repaint the terminal over its own findings.
 */
export function renderTable(report: Report, options: { color?: boolean } = {}): string {
  const paint = (style: Style, text: string) => (options.color ? styleText(style, text) : text);
  const groups = new Map<string, Finding[]>();
  for (const finding of report.findings) {
    const key = `${objectLabel(finding)}\u0000${finding.location?.file ?? ''}`;
    const list = groups.get(key);
    if (list) list.push(finding);
    else groups.set(key, [finding]);
  }
  const out: string[] = [];
  const idWidth = report.findings.reduce((widest, finding) => Math.max(widest, finding.ruleId.length), 24);
  for (const findings of groups.values()) {
    const first = findings[0];
    const where = first.location ? paint('gray', ` ${safe(first.location.file)}`) : '';
    out.push(`${paint('bold', safe(objectLabel(first)))}${where}`);
    for (const finding of findings) {
      const severity = finding.severity.toUpperCase().padEnd(8);
      const line = finding.location?.line ? paint('gray', `:${finding.location.line}`.padEnd(6)) : ''.padEnd(6);
      const text = `  ${line} ${paint(SEVERITY_STYLE[finding.severity], severity)} ${safe(finding.ruleId).padEnd(idWidth)} ${safe(finding.message)}`;
      if (finding.suppressed) out.push(`${paint('dim', text)} ${paint('gray', `(suppressed: ${safe(finding.suppression?.reason || 'no reason')})`)}`);
      else if (finding.baselineState === 'unchanged') out.push(`${paint('dim', text)} ${paint('gray', '(in the baseline)')}`);
      else out.push(text);
    }
    out.push('');
  }
  for (const metric of report.metrics ?? []) out.push(safe(`${metric.name}: ${metric.value}${metric.detail ? ` (${metric.detail})` : ''}`));
  if (report.metrics?.length) out.push('');
  const counts = SEVERITIES.filter((severity) => report.summary[severity] > 0).map((severity) => paint(SEVERITY_STYLE[severity], `${report.summary[severity]} ${severity}`));
  const suppressed = report.findings.filter((finding) => finding.suppressed).length;
  const total = report.findings.length - suppressed;
  out.push(
    total === 0
      ? `${paint('green', 'No findings')} in ${safe(report.sources.join(', '))}${suppressed ? ` (${suppressed} suppressed)` : ''}.`
      : `${total} finding${total === 1 ? '' : 's'}: ${counts.join(', ')}${suppressed ? ` (${suppressed} suppressed)` : ''}.`,
  );
  if (report.baseline) {
    const { source, unchanged, fixed } = report.baseline;
    const fresh = report.findings.filter((finding) => !finding.suppressed && finding.baselineState === 'new').length;
    out.push(`${fresh ? paint('bold', `${fresh} new`) : 'Nothing new'} since the baseline ${safe(source)} (${unchanged} unchanged, ${fixed} fixed).`);
  }
  return out.join('\n') + '\n';
}

