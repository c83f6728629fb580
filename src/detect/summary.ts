import type { AuditParseStats } from './audit.js';
import type { DetectedAlert, DetectorStats } from './detector.js';
import type { DnsParseStats } from './dns.js';
import { escapeControl } from '../core/sanitize.js';
import { atOrAbove, type Severity } from '../core/severity.js';
import { formatDuration } from './state.js';

/**
 * The end-of-run summary: what was read, what was wrong with it, alerts by rule, and for every
 * alert its time to detect (alert time − the first event of its evidence, in event time).
 */
export interface DetectSummary {
  audit: AuditParseStats;
  dns: DnsParseStats;
  detector: DetectorStats;
  alertsByRule: Record<string, number>;
  /** Alerts in all. */
  alerts: number;
  /** Time to detect of the first MAX_TIME_TO_DETECT alerts, in the order they were raised. */
  timeToDetect: { rule: string; time: string; principal: string; seconds: number }[];
}

/** A run that follows a log for weeks keeps counts of every alert but the times to detect of the first ones only. */
export const MAX_TIME_TO_DETECT = 1000;

/** Counts alerts as they are raised, in bounded memory: by rule, by priority, and their times to detect. */
export class AlertTally {
  readonly byRule: Record<string, number> = {};
  readonly byPriority: Partial<Record<Severity, number>> = {};
  readonly timeToDetect: DetectSummary['timeToDetect'] = [];
  count = 0;

  add(alerts: readonly DetectedAlert[]): void {
    for (const { alert, alertTime, firstEventTime } of alerts) {
      this.count++;
      this.byRule[alert.rule] = (this.byRule[alert.rule] ?? 0) + 1;
      this.byPriority[alert.priority] = (this.byPriority[alert.priority] ?? 0) + 1;
      if (this.timeToDetect.length < MAX_TIME_TO_DETECT) {
        this.timeToDetect.push({ rule: alert.rule, time: alert.time, principal: alert.principal, seconds: Math.max(0, (alertTime - firstEventTime) / 1000) });
      }
    }
  }

  /** Was any alert at or above this priority? */
  reached(threshold: Severity): boolean {
    return (Object.keys(this.byPriority) as Severity[]).some((priority) => atOrAbove(priority, threshold));
  }
}

export function buildSummary(audit: AuditParseStats, dns: DnsParseStats, detector: DetectorStats, tally: AlertTally): DetectSummary {
  return { audit, dns, detector, alertsByRule: { ...tally.byRule }, alerts: tally.count, timeToDetect: [...tally.timeToDetect] };
}

/** Human lines for stderr: short, one fact per line. */
export function renderSummary(summary: DetectSummary): string {
  const { audit, dns, detector } = summary;
  const lines: string[] = [];
  lines.push(`audit: ${audit.events} events from ${audit.lines} lines (${detector.duplicates} duplicates dropped, ${detector.stagesMerged} later stages merged, ${audit.truncated} truncated lines, ${audit.rejected} rejected)`);
  for (const [reason, count] of Object.entries(audit.rejectReasons)) lines.push(`  rejected ${count}: ${reason}`);
  const unknown = Object.entries(audit.unknownFields);
  if (unknown.length > 0) lines.push(`  unknown fields: ${unknown.map(([field, count]) => `${field} (${count})`).join(', ')}`);
  if (dns.lines > 0) lines.push(`dns: ${dns.queries} queries from ${dns.lines} lines (${dns.searchExpansions} search-path expansions, ${dns.unattributed} from no known pod, ${dns.malformed} malformed, ${dns.other} other)`);
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
