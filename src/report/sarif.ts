import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findingFingerprint, type Finding } from '../core/finding.js';
import type { Severity } from '../core/severity.js';
import type { RuleMeta } from '../rules/rule.js';
import { stringifyParts } from './json-parts.js';
import type { Report } from './report.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };

/** GitHub code scanning ranks security results by this number (its scale: critical ≥ 9.0, high ≥ 7.0, medium ≥ 4.0). */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.0' };

/** SARIF 2.1.0: one run, rule metadata on the driver, file/line locations, suppressions as SARIF suppressions. */
export function renderSarif(report: Report, cwd = process.cwd()): string {
  return `${stringifyParts(sarifLog(report, cwd)).join('')}\n`;
}

/** The SARIF log as a JSON value (rendered in parts for big reports: see json-parts.ts). */
export function sarifLog(report: Report, cwd = process.cwd()): Record<string, unknown> {
  const rules = uniqueRules(report);
  const ruleIndex = new Map(rules.map((rule, index) => [rule.id, index]));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'kubeward',
            version: report.version,
            semanticVersion: report.version,
            rules: rules.map(sarifRule),
          },
        },
        originalUriBaseIds: { SRCROOT: { uri: pathToFileURL(cwd.endsWith('/') ? cwd : `${cwd}/`).href } },
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: report.warnings.map((warning) => ({ level: 'warning', message: { text: warning } })),
          },
        ],
        results: report.findings.map((finding) => sarifResult(finding, ruleIndex.get(finding.ruleId))),
      },
    ],
  };
  return log;
}

/** Rules that ran, plus any rule a finding names that is not among them (engine findings). */
function uniqueRules(report: Report): RuleMeta[] {
  const byId = new Map(report.rules.map((rule) => [rule.id, rule]));
  for (const finding of report.findings) {
    if (!byId.has(finding.ruleId)) {
      byId.set(finding.ruleId, {
        id: finding.ruleId,
        title: finding.title,
        severity: finding.severity,
        stage: finding.stage,
        description: finding.title,
        remediation: finding.remediation ?? '',
        references: [],
      });
    }
  }
  return [...byId.values()];
}

function sarifRule(rule: RuleMeta) {
  return {
    id: rule.id,
    name: rule.id.replace(/(^|-)([a-z0-9])/g, (_match, _dash, letter: string) => letter.toUpperCase()),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.description },
    help: { text: rule.remediation, markdown: `${rule.description}\n\n**Remediation.** ${rule.remediation}` },
    defaultConfiguration: { level: LEVEL[rule.severity] },
    properties: {
      tags: ['security', 'kubernetes', rule.stage],
      'security-severity': SECURITY_SEVERITY[rule.severity],
      precision: 'high',
      ...(rule.references.length ? { references: rule.references.map((ref) => `${ref.tool}:${ref.id}`) } : {}),
    },
  };
}

function sarifResult(finding: Finding, ruleIndex: number | undefined) {
  const { kind, namespace, name } = finding.object;
  const qualified = [kind, namespace, name].filter(Boolean).join('/');
  const result: Record<string, unknown> = {
    ruleId: finding.ruleId,
    level: LEVEL[finding.severity],
    message: { text: finding.message },
    locations: [
      {
        ...(finding.location && finding.location.file !== '-'
          ? {
              physicalLocation: {
                artifactLocation: artifactLocation(finding.location.file),
                ...(finding.location.line ? { region: { startLine: finding.location.line } } : {}),
              },
            }
          : {}),
        logicalLocations: [{ name, fullyQualifiedName: qualified, kind: 'object' }],
      },
    ],
    partialFingerprints: { 'kubewardFingerprint/v1': findingFingerprint(finding) },
    properties: { severity: finding.severity, stage: finding.stage },
  };
  if (finding.baselineState) result.baselineState = finding.baselineState;
  if (ruleIndex !== undefined) result.ruleIndex = ruleIndex;
  if (finding.suppressed) {
    result.suppressions = [
      {
        kind: finding.suppression?.source === 'config' ? 'external' : 'inSource',
        status: 'accepted',
        justification: finding.suppression?.reason || 'suppressed without a reason',
      },
    ];
  }
  return result;
}

function artifactLocation(file: string): { uri: string; uriBaseId?: string } {
  if (isAbsolute(file)) return { uri: pathToFileURL(file).href };
  return { uri: file.split('/').map(encodeURIComponent).join('/'), uriBaseId: 'SRCROOT' };
}
