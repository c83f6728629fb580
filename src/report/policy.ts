/**
 * `kubeward policy test` output. Table and JSON show every decision (object, policy, binding,
 * validation, action, message); JUnit and SARIF reuse the scan formatters on findings made from
 * the decisions (one rule per policy), so CI reads them the same way.
 */
import { escapeControl } from '../core/sanitize.js';
import type { Finding } from '../core/finding.js';
import type { Inventory } from '../core/inventory.js';
import { describeRef, refOf, type ObjectRef } from '../core/object.js';
import { isSeverity, type Severity } from '../core/severity.js';
import { VERSION } from '../core/version.js';
import type { Policy, ValidationAction } from '../policy/model.js';
import type { ObjectDecision } from '../policy/run.js';
import type { RuleMeta } from '../rules/rule.js';
import { buildReport, render } from './index.js';
import { POLICY_FORMATS } from './formats.js';

export { POLICY_FORMATS };

export interface PolicyDecisionRow {
  object: ObjectRef;
  location?: { file: string; line?: number };
  policy: string;
  binding: string;
  param?: string;
  validation?: number;
  field: string;
  action: ValidationAction;
  reason: string;
  message: string;
}

export interface PolicyTestReport {
  kubeward: string;
  decisions: PolicyDecisionRow[];
  summary: { objects: number; denied: number; warned: number; audited: number; allowed: number };
  warnings: string[];
}

/** The action a violation has in the response: Deny over Warn over Audit. */
function actionOf(actions: readonly ValidationAction[]): ValidationAction {
  return actions.includes('Deny') ? 'Deny' : actions.includes('Warn') ? 'Warn' : 'Audit';
}

export function policyTestReport(decisions: readonly ObjectDecision[], inventory: Inventory, warnings: string[]): PolicyTestReport {
  const rows: PolicyDecisionRow[] = [];
  const summary = { objects: decisions.length, denied: 0, warned: 0, audited: 0, allowed: 0 };
  for (const { object, result } of decisions) {
    const provenance = inventory.provenanceOf(object);
    const location = provenance?.file ? { file: provenance.file, ...(provenance.line ? { line: provenance.line } : {}) } : undefined;
    const actions = new Set<ValidationAction>();
    for (const violation of result.violations) {
      const action = actionOf(violation.actions);
      actions.add(action);
      rows.push({
        object: refOf(object),
        ...(location ? { location } : {}),
        policy: violation.policy,
        binding: violation.binding,
        ...(violation.param ? { param: violation.param } : {}),
        ...(violation.validation !== undefined ? { validation: violation.validation } : {}),
        field: violation.field,
        action,
        reason: violation.reason,
        message: violation.message,
      });
    }
    if (!result.allowed) summary.denied++;
    else if (actions.has('Warn')) summary.warned++;
    else if (actions.has('Audit')) summary.audited++;
    else summary.allowed++;
  }
  return { kubeward: VERSION, decisions: rows, summary, warnings };
}

const ACTION_SEVERITY: Record<ValidationAction, Severity> = { Deny: 'high', Warn: 'medium', Audit: 'low' };

function severityOf(policy: Policy | undefined, action: ValidationAction): Severity {
  const declared = policy?.object.metadata.annotations?.['kubeward.io/severity'];
  return isSeverity(declared) ? declared : ACTION_SEVERITY[action];
}

export function renderPolicyTest(report: PolicyTestReport, format: string, policies: readonly Policy[], sources: string[]): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  if (format === 'table') return renderPolicyTable(report);
  const byName = new Map(policies.map((policy) => [policy.name, policy]));
  const findings: Finding[] = report.decisions.map((row) => ({
    ruleId: row.policy,
    severity: severityOf(byName.get(row.policy), row.action),
    title: byName.get(row.policy)?.object.metadata.annotations?.['kubeward.io/title'] ?? row.policy,
    message: `${row.action}: ${row.message}`,
    object: row.object,
    ...(row.location ? { location: row.location } : {}),
    stage: 'fortify',
    suppressed: false,
    evidence: { binding: row.binding, field: row.field, action: row.action, ...(row.param ? { param: row.param } : {}) },
  }));
  const rules: RuleMeta[] = policies.map((policy) => ({
    id: policy.name,
    title: policy.object.metadata.annotations?.['kubeward.io/title'] ?? policy.name,
    severity: severityOf(policy, 'Deny'),
    stage: 'fortify',
    description: `ValidatingAdmissionPolicy ${policy.name}.`,
    remediation: 'Change the object so that the policy admits it, or bind the policy differently.',
    references: [],
  }));
  return render(buildReport({ sources, findings, rules, warnings: report.warnings, title: 'kubeward policy test' }), format);
}

function renderPolicyTable(report: PolicyTestReport): string {
  const out: string[] = [];
  let current = '';
  for (const row of report.decisions) {
    const label = `${describeRef(row.object)}${row.location ? ` ${row.location.file}${row.location.line ? `:${row.location.line}` : ''}` : ''}`;
    if (label !== current) {
      if (current) out.push('');
      out.push(label);
      current = label;
    }
    const validation = row.validation !== undefined ? `[${row.validation}]` : ` ${row.field}`;
    out.push(`  ${row.action.toUpperCase().padEnd(5)} ${row.policy}${validation} (binding ${row.binding}${row.param ? `, params ${row.param}` : ''}): ${row.message}`);
  }
  if (current) out.push('');
  const { objects, denied, warned, audited, allowed } = report.summary;
  out.push(`${objects} object${objects === 1 ? '' : 's'}: ${denied} denied, ${warned} warned, ${audited ? `${audited} audited, ` : ''}${allowed} allowed.`);
  // Names and messages come from the inputs: one entry, one line, controls escaped.
  return `${out.map(escapeControl).join('\n')}\n`;
}
