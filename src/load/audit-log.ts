import { InputError } from '../core/errors.js';
import { emptyAuditStats, parseAuditLine, type AuditEvent, type AuditParseStats } from '../detect/audit.js';
import { forEachLine } from './input.js';

export interface AuditLogStats extends AuditParseStats {
  file: string;
  /** Lines passed over unparsed by the caller's filter (they cannot concern what is looked for). */
  skipped: number;
}

/**
 * Reads audit logs (JSON lines, EventList lines too; `-` is stdin) and hands each event over.
 * `mayConcern`, when given, lets a line that cannot matter go unparsed, once its file has shown that
 * it holds audit events (until then every line is parsed, so a file that is not an audit log is
 * recognised as such). Such a line is counted, and counted as truncated when it does not end the way
 * a JSON object or array does. Throws an InputError when no file holds a single audit event.
 */
export async function readAuditLogs(files: readonly string[], onEvent: (event: AuditEvent) => void, mayConcern?: (line: string) => boolean): Promise<AuditLogStats[]> {
  const all: AuditLogStats[] = [];
  for (const file of files) {
    const stats: AuditLogStats = { ...emptyAuditStats(), file, skipped: 0 };
    all.push(stats);
    await forEachLine(file, 'audit log', auditLineReader(stats, onEvent, mayConcern));
  }
  if (all.every((stats) => stats.events === 0)) throw new InputError(`no audit events in ${all.map(describeEmpty).join('; ')}`);
  return all;
}

/** What readAuditLogs does with each line of one file (the benchmark feeds it lines directly). */
export function auditLineReader(stats: AuditLogStats, onEvent: (event: AuditEvent) => void, mayConcern?: (line: string) => boolean): (line: string) => void {
  return (line) => {
    if (mayConcern && stats.events > 0 && !mayConcern(line)) {
      const end = line.trimEnd();
      if (end === '') return;
      stats.lines++;
      stats.skipped++;
      const last = end.charCodeAt(end.length - 1);
      if (last !== 0x7d && last !== 0x5d) stats.truncated++;
      return;
    }
    for (const event of parseAuditLine(line, stats)) onEvent(event);
  };
}

function describeEmpty(stats: AuditLogStats): string {
  if (stats.lines === 0) return `${stats.file} (empty)`;
  const reasons = Object.entries(stats.rejectReasons).map(([reason, count]) => `${count} ${reason}`);
  const parts = [stats.truncated ? `${stats.truncated} not JSON (truncated?)` : '', ...reasons].filter(Boolean);
  return `${stats.file} (${stats.lines} ${stats.lines === 1 ? 'line' : 'lines'}: ${parts.join(', ')})`;
}

/** What was wrong in the logs read, one message per file and kind of problem. */
export function auditLogWarnings(all: readonly AuditLogStats[]): string[] {
  const warnings: string[] = [];
  for (const stats of all) {
    if (stats.truncated) warnings.push(`${stats.file}: ${stats.truncated} truncated ${stats.truncated === 1 ? 'line' : 'lines'} (not JSON) skipped`);
    for (const [reason, count] of Object.entries(stats.rejectReasons)) warnings.push(`${stats.file}: ${count} ${count === 1 ? 'value' : 'values'} skipped: ${reason}`);
    if (stats.events === 0 && all.length > 1) warnings.push(`${describeEmpty(stats)}: no audit events`);
  }
  return warnings;
}
