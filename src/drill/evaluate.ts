/**
 * The Evaluate stage: would `kubeward audit` of the cluster, once the chart is in it, flag the chart's
 * ServiceAccount? Exactly the audit's analysis (the RBAC engine's risks, per subject, with the team's
 * suppressions) over the cluster as it stands after the install: Helm hooks that delete themselves
 * after they ran are gone by then, and an audit never sees them. `detected` when an unsuppressed
 * finding at `high` or above (where `kubeward audit` exits 1 by default) names the ServiceAccount.
 *
 * This is posture: the audit names the account on its next run, after the fact. It counts for neither
 * `firstStop` nor the exit code.
 */
import type { Config } from '../core/config.js';
import { suppressionsOf } from '../rules/suppress.js';
import type { Finding } from '../core/finding.js';
import type { Inventory } from '../core/inventory.js';
import { describeRef, isRecord, type KubeObject } from '../core/object.js';
import { atOrAbove, severityRank } from '../core/severity.js';
import { auditMetrics } from '../rbac/audit.js';
import { buildEngine } from '../rbac/engine.js';
import { rbacFindings } from '../rbac/findings.js';
import type { Evidence, Gap, StageResult } from './result.js';

export interface EvaluateInput {
  /** The cluster as it stands after the install. */
  inventory: Inventory;
  config: Config;
  serviceAccount: { namespace: string; name: string };
  /** Chart objects that deleted themselves (hooks), for the gaps. */
  removed: readonly KubeObject[];
  configFile?: string;
}

/** The options `kubeward audit` runs the RBAC analysis with. */
export function auditOptions(config: Config) {
  return { includeDefaults: false, execWithGet: true, ...suppressionsOf(config) };
}

export function evaluateStage(input: EvaluateInput): StageResult {
  const engine = buildEngine(input.inventory);
  const options = auditOptions(input.config);
  const { namespace, name } = input.serviceAccount;
  const account = `ServiceAccount ${namespace}/${name}`;
  const concerning = rbacFindings(engine, options).filter((finding) => namesAccount(finding, namespace, name)).sort((a, b) => severityRank(a.severity) - severityRank(b.severity));
  const flagged = concerning.filter((finding) => !finding.suppressed && atOrAbove(finding.severity, 'high'));
  const metrics = auditMetrics(engine, options).filter((metric) => metric.name === 'Subjects that can read all Secrets' || metric.name === 'Subjects with an escalation path to cluster-admin');
  const evidence: Evidence[] = [
    ...concerning.slice(0, 6).map((finding) => ({
      text: `${finding.suppressed ? 'suppressed: ' : ''}${finding.severity.toUpperCase()} ${finding.ruleId} ${describeRef(finding.object)}: ${finding.message}`,
      ruleId: finding.ruleId,
      severity: finding.severity,
      object: finding.object,
      suppressed: finding.suppressed,
    })),
    ...metrics.map((metric) => ({ text: `${metric.name}: ${metric.value}${metric.detail ? ` (${metric.detail})` : ''}`, metric: metric.name, value: metric.value })),
  ];
  if (flagged.length) {
    return {
      stage: 'evaluate',
      outcome: 'detected',
      summary: `kubeward audit of the cluster after the install flags ${account}: ${[...new Set(flagged.map((finding) => `${finding.severity} ${finding.ruleId}`))].join(', ')} (posture: seen on the audit's next run, after the fact)`,
      evidence,
      gaps: [],
    };
  }
  return { stage: 'evaluate', outcome: 'missed', summary: missedSummary(input, account, concerning), evidence, gaps: evaluateGaps(input, account, concerning) };
}

/** Does an RBAC finding concern this ServiceAccount (its subject, or a subject of the binding it is on)? */
function namesAccount(finding: Finding, namespace: string, name: string): boolean {
  const subject = finding.evidence?.subject;
  return isRecord(subject) && subject.kind === 'ServiceAccount' && subject.name === name && (subject.namespace ?? namespace) === namespace;
}

function missedSummary(input: EvaluateInput, account: string, concerning: readonly Finding[]): string {
  if (input.removed.length && !input.inventory.get('ServiceAccount', input.serviceAccount.namespace, input.serviceAccount.name)) {
    return `${account} and its grants are Helm hooks that delete themselves after they ran: an audit of the cluster after the install finds nothing`;
  }
  if (concerning.some((finding) => finding.suppressed)) return `kubeward audit reports ${account}, but the team's configuration suppresses it`;
  return `kubeward audit of the cluster after the install reports nothing at high or above about ${account}`;
}

function evaluateGaps(input: EvaluateInput, account: string, concerning: readonly Finding[]): Gap[] {
  const gaps: Gap[] = [];
  if (input.removed.length && !input.inventory.get('ServiceAccount', input.serviceAccount.namespace, input.serviceAccount.name)) {
    gaps.push({
      title: `the chart's grants are self-deleting Helm hooks (${input.removed.map((object) => `${object.kind} ${object.metadata.name}`).join(', ')}): a periodic audit of the cluster never sees them`,
      fix: 'scan charts before they are installed (kubeward scan renders hooks and reports self-deleting grants as critical), and keep the API audit log: kubeward detect sees what the hook did while it existed',
    });
  }
  for (const finding of concerning.filter((candidate) => candidate.suppressed && atOrAbove(candidate.severity, 'high'))) {
    gaps.push({
      title: `${finding.severity} ${finding.ruleId} about ${account} is suppressed by ${finding.suppression?.source === 'annotation' ? 'an annotation on the binding' : input.configFile ?? '.kubeward.yaml'}${finding.suppression?.reason ? ` ("${finding.suppression.reason}")` : ''}`,
      fix: 'narrow the suppression to the subjects it was written for, with an expiry; a glob on names also hides the next chart that binds the same way',
    });
  }
  if (gaps.length === 0) gaps.push({ title: `kubeward audit reports nothing at high or above about ${account}`, fix: 'run kubeward audit on the cluster on a schedule, and review every subject that can read Secrets outside its namespace' });
  return gaps;
}
