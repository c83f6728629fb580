import { styleText } from 'node:util';
import type { Inventory } from '../core/inventory.js';
import { describeRef, refOf, type KubeObject, type ObjectRef } from '../core/object.js';
import { existingPrefix, locationOf, pathText } from '../core/provenance.js';
import { VERSION } from '../core/version.js';
import type { CheckFailure, Level } from '../pss/index.js';
import { POD_SECURITY_FORMATS } from './formats.js';

export { POD_SECURITY_FORMATS };

export interface PodTemplateResult {
  object: ObjectRef;
  location?: { file: string; line?: number };
  allowed: boolean;
  failures: {
    check: string;
    level: Level;
    reason: string;
    detail: string;
    violations: { container?: string; field: string; value?: string; line?: number }[];
  }[];
}

/** What `kubeward pss` reports: every pod template judged against one level at one policy version. */
export interface PodSecurityReport {
  version: string;
  level: Level;
  /** The policy version asked for (`latest`, `v1.29`), and the one whose checks ran (newer versions run the latest). */
  policyVersion: string;
  evaluatedVersion: string;
  sources: string[];
  podTemplates: PodTemplateResult[];
  warnings: string[];
}

export function buildPodSecurityReport(input: {
  inventory: Inventory;
  level: Level;
  policyVersion: string;
  evaluatedVersion: string;
  sources: string[];
  results: { object: KubeObject; failures: CheckFailure[] }[];
  warnings: string[];
}): PodSecurityReport {
  const podTemplates = input.results.map(({ object, failures }): PodTemplateResult => {
    const provenance = input.inventory.provenanceOf(object);
    const location = locationOf(provenance);
    const result: PodTemplateResult = { object: refOf(object), ...(location ? { location } : {}), allowed: failures.length === 0, failures: [] };
    result.failures = failures.map((failure) => ({
      check: failure.check,
      level: failure.level,
      reason: failure.reason,
      detail: failure.detail,
      violations: failure.violations.map((violation) => {
        const line = locationOf(provenance, existingPrefix(object, violation.field))?.line;
        return {
          ...(violation.container !== undefined ? { container: violation.container } : {}),
          field: pathText(violation.field),
          ...(violation.value !== undefined ? { value: violation.value } : {}),
          ...(line !== undefined ? { line } : {}),
        };
      }),
    }));
    return result;
  });
  return { version: VERSION, level: input.level, policyVersion: input.policyVersion, evaluatedVersion: input.evaluatedVersion, sources: input.sources, podTemplates, warnings: input.warnings };
}

export function renderPodSecurity(report: PodSecurityReport, format: string, options: { color?: boolean } = {}): string {
  return format === 'json' ? renderJson(report) : renderTable(report, options);
}

function renderJson(report: PodSecurityReport): string {
  const denied = report.podTemplates.filter((result) => !result.allowed).length;
  const body: Record<string, unknown> = {
    kubeward: report.version,
    level: report.level,
    version: report.policyVersion,
    evaluatedVersion: report.evaluatedVersion,
    allowed: denied === 0,
    podTemplates: report.podTemplates,
    summary: { podTemplates: report.podTemplates.length, allowed: report.podTemplates.length - denied, denied },
  };
  if (report.warnings.length) body.warnings = report.warnings;
  return JSON.stringify(body, null, 2) + '\n';
}

function renderTable(report: PodSecurityReport, options: { color?: boolean }): string {
  const paint = (style: Parameters<typeof styleText>[0], text: string) => (options.color ? styleText(style, text) : text);
  const out: string[] = [];
  const asked = report.policyVersion !== report.evaluatedVersion && report.policyVersion !== 'latest' ? ` (asked ${report.policyVersion})` : '';
  const policy = `Pod Security "${report.level}" at ${report.evaluatedVersion}${asked}`;
  for (const result of report.podTemplates) {
    if (result.allowed) continue;
    const where = result.location ? paint('gray', ` ${result.location.file}${result.location.line ? `:${result.location.line}` : ''}`) : '';
    out.push(`${paint('bold', describeRef(result.object))}${where}`);
    const width = Math.max(...result.failures.map((failure) => failure.check.length));
    for (const failure of result.failures) {
      out.push(`  ${paint('red', failure.check.padEnd(width))}  ${failure.reason}: ${failure.detail}`);
      for (const violation of failure.violations) {
        const line = violation.line ? paint('gray', `:${violation.line}`.padEnd(6)) : ''.padEnd(6);
        out.push(`    ${line} ${violation.field}${violation.value !== undefined ? ` = ${violation.value}` : ''}`);
      }
    }
    out.push('');
  }
  const denied = report.podTemplates.filter((result) => !result.allowed).length;
  const total = report.podTemplates.length;
  if (total === 0) out.push(`No pod templates in ${report.sources.join(', ')}: nothing to judge against ${policy}.`);
  else if (total === 1) out.push(denied === 0 ? `${paint('green', 'The pod template meets')} ${policy}.` : `${paint('red', 'The pod template fails')} ${policy}.`);
  else if (denied === 0) out.push(`${paint('green', `All ${total} pod templates meet`)} ${policy}.`);
  else out.push(`${paint('red', `${denied} of ${total} pod templates`)} ${denied === 1 ? 'fails' : 'fail'} ${policy}.`);
  return out.join('\n') + '\n';
}
