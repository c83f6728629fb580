import type { Alert } from '../core/alert.js';
import { compareStrings } from '../core/order.js';
import { severityRank } from '../core/severity.js';
import { triage, type Verdict } from '../detect/triage.js';
import { MAX_TIMELINE_ALERTS, type AttackStep, type Detection } from './model.js';

/** What the detector found in the logs, as the CLI hands it over. */
export interface DetectionInput {
  logs: string[];
  events: number;
  /** Network flows read, when a flow log was given. */
  flows?: number;
  alerts: readonly { alert: Alert; firstEventTime: number; alertTime: number }[];
  /** The tags of each rule (MITRE tactics): they place an alert on the attack's steps. */
  tagsByRule: ReadonlyMap<string, readonly string[]>;
  /** Verdicts on alert ids (`--verdicts`, the file `kubeward detect triage` reads). */
  verdicts?: ReadonlyMap<string, Verdict>;
}

/** The attack step a rule's tags point at: the latest step of the attack the tags name. */
export function attackStepOf(tags: readonly string[]): AttackStep {
  const has = (...names: string[]) => tags.some((tag) => names.includes(tag.toLowerCase()));
  if (has('exfiltration', 't1048', 't1071.004')) return 'exfiltrate';
  if (has('credential-access', 'collection', 'discovery')) return 'read Secrets';
  if (has('persistence', 'privilege-escalation', 'initial-access', 'execution')) return 'install and grant';
  return 'other';
}

export function detectionSection(input: DetectionInput): Detection {
  const byRule = new Map<string, Detection['alertsByRule'][number]>();
  for (const { alert } of input.alerts) {
    const entry = byRule.get(alert.rule) ?? { rule: alert.rule, count: 0, priority: alert.priority };
    entry.count++;
    if (severityRank(alert.priority) < severityRank(entry.priority)) entry.priority = alert.priority;
    byRule.set(alert.rule, entry);
  }
  const ordered = [...input.alerts].sort((a, b) => a.alertTime - b.alertTime || compareStrings(a.alert.rule, b.alert.rule));
  const timeline = ordered.slice(0, MAX_TIMELINE_ALERTS).map(({ alert, firstEventTime, alertTime }) => ({
    id: alert.id,
    time: alert.time,
    rule: alert.rule,
    priority: alert.priority,
    principal: alert.principal,
    summary: alert.summary,
    step: attackStepOf(input.tagsByRule.get(alert.rule) ?? []),
    timeToDetectSeconds: Math.max(0, (alertTime - firstEventTime) / 1000),
  }));
  return {
    logs: input.logs,
    events: input.events,
    ...(input.flows !== undefined ? { flows: input.flows } : {}),
    alerts: input.alerts.length,
    alertsByRule: [...byRule.values()].sort((a, b) => b.count - a.count || compareStrings(a.rule, b.rule)),
    timeline,
    timelineTruncated: Math.max(0, ordered.length - MAX_TIMELINE_ALERTS),
    ...(input.verdicts ? { fidelity: fidelityOf(input.alerts.map(({ alert }) => alert), input.verdicts) } : {}),
  };
}

/** Alert fidelity as `kubeward detect triage` counts it: of the alerts with a verdict, the share that was actionable. */
function fidelityOf(alerts: readonly Alert[], verdicts: ReadonlyMap<string, Verdict>): NonNullable<Detection['fidelity']> {
  const report = triage(alerts, verdicts);
  const { triaged, truePositive, falsePositive, benign } = report.overall;
  return { triaged, truePositive, falsePositive, benign, unjudged: alerts.length - triaged, noisy: report.noisy.map((rule) => rule.rule) };
}
