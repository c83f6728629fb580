import { atOrAbove, type Severity } from '../core/severity.js';
import type { AlertTally, DetectSummary, RuleTally } from './summary.js';

/**
 * `kubeward detect --metrics FILE`: what a run measured, per rule and overall, with the battlecard's
 * Expose metrics (time to detect; alert fidelity, which needs a person's verdicts: `detect triage`)
 * and its Limit metrics from network flows (unexpected egress per workload, network-policy
 * violations). Times to detect are in event time: alert time − time of the first event of its
 * evidence, so a replayed log measures what a live run would have.
 */

export interface TimeToDetect {
  /** Alerts measured. */
  alerts: number;
  minSeconds: number;
  medianSeconds: number;
  p90Seconds: number;
  maxSeconds: number;
  meanSeconds: number;
  /** True when the median and p90 come from the first alerts only (a long run keeps a bounded sample). */
  sampled?: boolean;
}

export interface RuleMetrics {
  alerts: number;
  byPriority: Partial<Record<Severity, number>>;
  timeToDetect: TimeToDetect;
  firstAlert: string;
  lastAlert: string;
}

export interface DetectMetrics {
  overall: { alerts: number; byPriority: Partial<Record<Severity, number>>; timeToDetect?: TimeToDetect };
  /** Every rule loaded; those that raised nothing have `alerts: 0` only. */
  rules: Record<string, RuleMetrics | { alerts: 0 }>;
  expose: {
    /** Time to detect of the alerts at high or above: how long the attack went unseen. */
    timeToDetect?: TimeToDetect;
    /** The first critical alert: the moment a responder is paged. */
    firstCritical?: { rule: string; time: string; principal: string; seconds: number };
    /** The share of actionable alerts needs verdicts: `kubeward detect triage ALERTS.jsonl --verdicts FILE`. */
    alertFidelity: null;
  };
  limit: {
    /** Connections opened to the internet per workload (`namespace/Kind/name`), by the `unexpected-egress-volume` metric rule. */
    unexpectedEgress: Record<string, number>;
    /** Alerts of network policy violations (flows dropped by policy). */
    policyViolationAlerts: number;
  };
  /** Every `metric` rule's counts by key. */
  counters: Record<string, Record<string, number>>;
  input: { auditEvents: number; dnsQueries: number; flows: number; rejectedAuditValues: number; malformedLines: number };
}

function percentile(sorted: readonly number[], share: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)];
}

const round = (seconds: number) => Math.round(seconds * 1000) / 1000;

function timeToDetectOf(samples: readonly number[], exact?: Pick<RuleTally, 'alerts' | 'minSeconds' | 'maxSeconds' | 'sumSeconds'>): TimeToDetect | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const alerts = exact?.alerts ?? sorted.length;
  const out: TimeToDetect = {
    alerts,
    minSeconds: round(exact?.minSeconds ?? sorted[0]),
    medianSeconds: round(percentile(sorted, 0.5)),
    p90Seconds: round(percentile(sorted, 0.9)),
    maxSeconds: round(exact?.maxSeconds ?? sorted[sorted.length - 1]),
    meanSeconds: round((exact?.sumSeconds ?? sorted.reduce((sum, s) => sum + s, 0)) / alerts),
  };
  if (alerts > sorted.length) out.sampled = true;
  return out;
}

/** The names of the rules whose alerts are network-policy violations. */
const POLICY_VIOLATION_RULES = new Set(['flow-dropped-by-policy']);
const EGRESS_METRIC = 'unexpected-egress-volume';

/** `ruleIds`: every rule loaded, so a rule that stayed quiet is reported with 0 alerts. */
export function buildMetrics(summary: DetectSummary, tally: AlertTally, counters: ReadonlyMap<string, ReadonlyMap<string, number>>, ruleIds: readonly string[] = []): DetectMetrics {
  const rules: Record<string, RuleMetrics | { alerts: 0 }> = {};
  for (const rule of [...new Set([...ruleIds, ...tally.rules.keys()])].sort()) {
    const entry = tally.rules.get(rule);
    rules[rule] = entry ? { alerts: entry.alerts, byPriority: entry.byPriority, timeToDetect: timeToDetectOf(entry.samples, entry)!, firstAlert: entry.firstAlert, lastAlert: entry.lastAlert } : { alerts: 0 };
  }
  const atOrAboveHigh = tally.timeToDetect.filter((entry) => atOrAbove(entry.priority, 'high'));
  const critical = tally.firstCritical;
  const out: DetectMetrics = {
    overall: { alerts: tally.count, byPriority: tally.byPriority, timeToDetect: timeToDetectOf(tally.timeToDetect.map((entry) => entry.seconds)) },
    rules,
    expose: { timeToDetect: timeToDetectOf(atOrAboveHigh.map((entry) => entry.seconds)), firstCritical: critical, alertFidelity: null },
    limit: {
      unexpectedEgress: Object.fromEntries([...(counters.get(EGRESS_METRIC) ?? new Map<string, number>()).entries()].sort((a, b) => b[1] - a[1])),
      policyViolationAlerts: [...POLICY_VIOLATION_RULES].reduce((sum, rule) => sum + (tally.byRule[rule] ?? 0), 0),
    },
    counters: Object.fromEntries([...counters.entries()].map(([rule, counts]) => [rule, Object.fromEntries(counts)])),
    input: {
      auditEvents: summary.detector.auditEvents,
      dnsQueries: summary.detector.dnsQueries,
      flows: summary.detector.flows,
      rejectedAuditValues: summary.audit.rejected,
      malformedLines: summary.audit.truncated + summary.dns.malformed + summary.flows.malformed,
    },
  };
  if (out.overall.timeToDetect === undefined) delete out.overall.timeToDetect;
  if (out.expose.timeToDetect === undefined) delete out.expose.timeToDetect;
  if (out.expose.firstCritical === undefined) delete out.expose.firstCritical;
  return out;
}
