import { findingFingerprint, type Finding } from '../core/finding.js';
import { stringifyParts } from './json-parts.js';
import type { Report } from './report.js';

/**
 * The JSON contract: `{"kubeward", "findings": [...], "summary"}`. Keys are written in the contract's
 * order; optional details (suppression, remediation, evidence, fingerprint, baselineState) follow the
 * contract's fields, and optional sections (baseline, metrics, warnings) follow the summary.
 */
export function renderJson(report: Report): string {
  return `${stringifyParts(jsonReport(report)).join('')}\n`;
}

/** The report as the JSON value renderJson writes (rendered in parts for big reports: see json-parts.ts). */
export function jsonReport(report: Report): Record<string, unknown> {
  const body: Record<string, unknown> = {
    kubeward: report.version,
    findings: report.findings.map(findingJson),
    summary: report.summary,
  };
  if (report.baseline) body.baseline = report.baseline;
  if (report.metrics) body.metrics = report.metrics;
  if (report.warnings.length) body.warnings = report.warnings;
  return body;
}

export function findingJson(finding: Finding): Record<string, unknown> {
  const json: Record<string, unknown> = {
    ruleId: finding.ruleId,
    severity: finding.severity,
    title: finding.title,
    message: finding.message,
    object: finding.object,
  };
  if (finding.location) json.location = finding.location;
  json.stage = finding.stage;
  json.suppressed = finding.suppressed;
  if (finding.suppression) json.suppression = finding.suppression;
  if (finding.remediation) json.remediation = finding.remediation;
  if (finding.evidence) json.evidence = finding.evidence;
  json.fingerprint = findingFingerprint(finding);
  if (finding.baselineState) json.baselineState = finding.baselineState;
  return json;
}
