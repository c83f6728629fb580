import { compareWithBaseline, type Baseline, type BaselineSummary } from '../core/baseline.js';
import { summarize, type Finding } from '../core/finding.js';
import { describeRef } from '../core/object.js';
import { compareStrings } from '../core/order.js';
import { severityRank, type SeverityCounts } from '../core/severity.js';
import { VERSION } from '../core/version.js';
import type { RuleMeta } from '../rules/rule.js';

/** The one value every formatter renders. */
export interface Report {
  version: string;
  /** What was scanned, as the user named it. */
  sources: string[];
  findings: Finding[];
  /** Metadata of every rule that ran (SARIF lists them even without results). */
  rules: RuleMeta[];
  warnings: string[];
  summary: SeverityCounts;
  /** Extra sections some commands add (the audit's metrics, the scan's supply-chain metrics). */
  metrics?: Metric[];
  /** Set when the findings were compared with a baseline (`--baseline`): each finding then has its baselineState. */
  baseline?: BaselineSummary;
  title?: string;
}

/** One number a report states besides its findings (JSON: `{"name", "value", "detail"?}` under `metrics`). */
export interface Metric {
  name: string;
  value: string | number;
  detail?: string;
}

export function buildReport(input: { sources: string[]; findings: Finding[]; rules: RuleMeta[]; warnings?: string[]; title?: string }): Report {
  return {
    version: VERSION,
    sources: input.sources,
    findings: sortFindings(input.findings),
    rules: input.rules,
    warnings: input.warnings ?? [],
    summary: summarize(input.findings),
    title: input.title,
  };
}

/** The report with each finding marked `new` or `unchanged` against the baseline, and the counts. */
export function withBaseline(report: Report, baseline: Baseline): Report {
  const comparison = compareWithBaseline(report.findings, baseline);
  return { ...report, findings: comparison.findings, baseline: comparison.summary };
}

/** Most severe first, then by file and line, then rule: stable across runs. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      severityRank(a.severity) - severityRank(b.severity) ||
      compareStrings(a.location?.file ?? '', b.location?.file ?? '') ||
      (a.location?.line ?? 0) - (b.location?.line ?? 0) ||
      compareStrings(a.ruleId, b.ruleId) ||
      compareStrings(a.message, b.message),
  );
}

export function objectLabel(finding: Finding): string {
  return describeRef(finding.object);
}

export function locationLabel(finding: Finding): string {
  if (!finding.location) return '';
  return finding.location.line ? `${finding.location.file}:${finding.location.line}` : finding.location.file;
}
