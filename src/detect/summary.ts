import type { AuditParseStats } from './audit.js';
import type { DetectedAlert, DetectorStats } from './detector.js';
import type { DnsParseStats } from './dns.js';
import type { FlowParseStats } from './hubble.js';
import { atOrAbove, type Severity } from '../core/severity.js';
import { escapeControl, oneLine } from '../core/sanitize.js';
import { formatDuration } from './state.js';

/**
 * The end-of-run summary: what was read, what was wrong with it, alerts by rule, and for every
 * alert its time to detect (alert time − the first event of its evidence, in event time).
 */
export interface DetectSummary {
  audit: AuditParseStats;
  dns: DnsParseStats;
  flows: FlowParseStats;
  detector: DetectorStats;
  alertsByRule: Record<string, number>;
  /** Alerts in all. */
  alerts: number;
  /** Time to detect of the first MAX_TIME_TO_DETECT alerts, in the order they were raised. */
  timeToDetect: { rule: string; priority: Severity; time: string; principal: string; seconds: number }[];
}

/** A run that follows a log for weeks keeps counts of every alert but the times to detect of the first ones only. */
export const MAX_TIME_TO_DETECT = 1000;

/** Per rule, in bounded memory: what `--metrics` reports. */
export interface RuleTally {
  alerts: number;
  byPriority: Partial<Record<Severity, number>>;
  /** Times to detect in seconds: exact minimum, maximum and sum; the first MAX_SAMPLES kept for percentiles. */
  minSeconds: number;
  maxSeconds: number;
  sumSeconds: number;
  samples: number[];
  firstAlert: string;
  lastAlert: string;
}

/** Times to detect kept per rule for medians and percentiles. */
export const MAX_SAMPLES = 1000;

/** Counts alerts as they are raised, in bounded memory: by rule, by priority, and their times to detect. */
export class AlertTally {
  readonly byRule: Record<string, number> = {};
  readonly byPriority: Partial<Record<Severity, number>> = {};
  readonly timeToDetect: DetectSummary['timeToDetect'] = [];
  readonly rules = new Map<string, RuleTally>();
  /** The first critical alert: when a responder is paged. */
  firstCritical?: { rule: string; time: string; principal: string; seconds: number };
  count = 0;

  add(alerts: readonly DetectedAlert[]): void {
    for (const { alert, alertTime, firstEventTime } of alerts) {
      this.count++;
      this.byRule[alert.rule] = (this.byRule[alert.rule] ?? 0) + 1;
      this.byPriority[alert.priority] = (this.byPriority[alert.priority] ?? 0) + 1;
      const seconds = Math.max(0, (alertTime - firstEventTime) / 1000);
      if (this.timeToDetect.length < MAX_TIME_TO_DETECT) {
        this.timeToDetect.push({ rule: alert.rule, priority: alert.priority, time: alert.time, principal: alert.principal, seconds });
      }
      if (alert.priority === 'critical' && !this.firstCritical) this.firstCritical = { rule: alert.rule, time: alert.time, principal: alert.principal, seconds };
      let rule = this.rules.get(alert.rule);
      if (!rule) this.rules.set(alert.rule, (rule = { alerts: 0, byPriority: {}, minSeconds: seconds, maxSeconds: seconds, sumSeconds: 0, samples: [], firstAlert: alert.time, lastAlert: alert.time }));
      rule.alerts++;
      rule.byPriority[alert.priority] = (rule.byPriority[alert.priority] ?? 0) + 1;
      rule.minSeconds = Math.min(rule.minSeconds, seconds);
      rule.maxSeconds = Math.max(rule.maxSeconds, seconds);
      rule.sumSeconds += seconds;
      if (rule.samples.length < MAX_SAMPLES) rule.samples.push(seconds);
      rule.lastAlert = alert.time;
    }
  }

  /** Was any alert at or above this priority? */
  reached(threshold: Severity): boolean {
    return (Object.keys(this.byPriority) as Severity[]).some((priority) => atOrAbove(priority, threshold));
  }
}

export function buildSummary(audit: AuditParseStats, dns: DnsParseStats, flows: FlowParseStats, detector: DetectorStats, tally: AlertTally): DetectSummary {
  return { audit, dns, flows, detector, alertsByRule: { ...tally.byRule }, alerts: tally.count, timeToDetect: [...tally.timeToDetect] };
}

/** Human lines for stderr: short, one fact per line. */
export function renderSummary(summary: DetectSummary): string {
  const { audit, dns, detector } = summary;
  const lines: string[] = [];
  lines.push(`audit: ${audit.events} events from ${audit.lines} lines (${detector.duplicates} duplicates dropped, ${detector.stagesMerged} later stages merged, ${audit.truncated} truncated lines, ${audit.rejected} rejected)`);
  for (const [reason, count] of Object.entries(audit.rejectReasons)) lines.push(`  rejected ${count}: ${reason}`);
  const unknown = Object.entries(audit.unknownFields);
  if (unknown.length > 0) lines.push(`  unknown fields: ${unknown.map(([field, count]) => `${oneLine(field, 80)} (${count})`).join(', ')}`);
  if (dns.lines > 0) lines.push(`dns: ${dns.queries} queries from ${dns.lines} lines (${dns.searchExpansions} search-path expansions, ${dns.unattributed} from no known pod, ${dns.malformed} malformed, ${dns.other} other)`);
  if (summary.flows.lines > 0) {
    const f = summary.flows;
    lines.push(`flows: ${f.flows} flows from ${f.lines} lines (${f.unattributed} from no known pod, ${f.malformed} malformed lines skipped, ${f.other} other)`);
  }
  if (detector.unevaluable > 0) lines.push(`skipped: ${detector.unevaluable} events nested too deeply to evaluate`);
  if (detector.evictedKeys > 0) lines.push(`state: ${detector.evictedKeys} keys evicted at the memory cap`);
  const rules = Object.entries(summary.alertsByRule).sort((a, b) => b[1] - a[1]);
  lines.push(`alerts: ${summary.alerts}${rules.length ? '' : ' (none)'}`);
  for (const [rule, count] of rules) lines.push(`  ${count}  ${rule}`);
  if (summary.timeToDetect.length > 0) {
    lines.push('time to detect:');
    for (const entry of summary.timeToDetect) lines.push(`  ${formatSeconds(entry.seconds)}  ${entry.rule}  ${entry.principal}  ${entry.time}`);
    if (summary.alerts > summary.timeToDetect.length) lines.push(`  … and ${summary.alerts - summary.timeToDetect.length} later alerts`);
  }
  // One entry, one line: principals, rule names and field names come from the logs.
  return lines.map(escapeControl).join('\n') + '\n';
}

function formatSeconds(seconds: number): string {
  return seconds < 1 ? `${Math.round(seconds * 1000)}ms` : formatDuration(Math.round(seconds) * 1000);
}
