import { escapeControl } from '../core/sanitize.js';
import { SEVERITIES } from '../core/severity.js';
import { locationLabel, objectLabel, type Report } from './report.js';

export const SEVERITY_ICON: Record<string, string> = { critical: '🟥', high: '🟧', medium: '🟨', low: '🟦', info: '⬜' };

/** A pull-request comment: the verdict, the counts, a table of findings, suppressed ones folded away. */
export function renderMarkdown(report: Report): string {
  const unsuppressed = report.findings.filter((finding) => !finding.suppressed);
  // With a baseline, the table holds what is new; what the baseline already had is folded away.
  const open = unsuppressed.filter((finding) => finding.baselineState !== 'unchanged');
  const unchanged = unsuppressed.filter((finding) => finding.baselineState === 'unchanged');
  const suppressed = report.findings.filter((finding) => finding.suppressed);
  const out: string[] = [`### ${report.title ?? 'kubeward scan'}`, ''];
  const what = report.baseline ? ` new since the baseline ${code(report.baseline.source)}` : '';
  out.push(
    open.length
      ? `**${open.length} finding${open.length === 1 ? '' : 's'}**${what} in ${report.sources.map(code).join(', ')}.`
      : `No findings${what} in ${report.sources.map(code).join(', ')}.`,
    '',
  );
  if (report.baseline) out.push(`${report.baseline.unchanged} unchanged and ${report.baseline.fixed} fixed since the baseline.`, '');
  out.push(`| ${SEVERITIES.join(' | ')} |`, `| ${SEVERITIES.map(() => '---').join(' | ')} |`, `| ${SEVERITIES.map((severity) => report.summary[severity]).join(' | ')} |`, '');
  if (report.metrics?.length) {
    out.push('| metric | value |', '| --- | --- |', ...report.metrics.map((metric) => `| ${cell(metric.name)} | ${cell(String(metric.value))}${metric.detail ? ` (${cell(metric.detail)})` : ''} |`), '');
  }
  if (open.length) {
    out.push('| severity | rule | object | where | message |', '| --- | --- | --- | --- | --- |');
    for (const finding of open) {
      out.push(`| ${SEVERITY_ICON[finding.severity]} ${finding.severity} | \`${finding.ruleId}\` | ${cell(objectLabel(finding))} | ${cell(locationLabel(finding))} | ${cell(finding.message)} |`);
    }
    out.push('');
  }
  if (unchanged.length) {
    out.push(`<details><summary>${unchanged.length} already in the baseline</summary>`, '', '| severity | rule | object | message |', '| --- | --- | --- | --- |');
    for (const finding of unchanged) out.push(`| ${finding.severity} | \`${finding.ruleId}\` | ${cell(objectLabel(finding))} | ${cell(finding.message)} |`);
    out.push('', '</details>', '');
  }
  if (suppressed.length) {
    out.push(`<details><summary>${suppressed.length} suppressed</summary>`, '', '| rule | object | reason |', '| --- | --- | --- |');
    for (const finding of suppressed) out.push(`| \`${finding.ruleId}\` | ${cell(objectLabel(finding))} | ${cell(finding.suppression?.reason ?? '')} |`);
    out.push('', '</details>', '');
  }
  if (report.warnings.length) {
    out.push(`<details><summary>${report.warnings.length} warning${report.warnings.length === 1 ? '' : 's'}</summary>`, '');
    for (const warning of report.warnings) out.push(`- ${cell(warning)}`);
    out.push('', '</details>', '');
  }
  out.push(`<sub>kubeward ${report.version}</sub>`, '');
  return out.join('\n');
}

/** Text safe inside a Markdown table cell, control characters escaped (Markdown is read in terminals too). */
export function cell(text: string): string {
  return escapeControl(text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>').replace(/</g, '&lt;'));
}

/** Text as inline code. */
export function code(text: string): string {
  return `\`${escapeControl(text.replace(/`/g, "'"))}\``;
}
