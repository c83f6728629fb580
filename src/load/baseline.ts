import type { Baseline, BaselineFinding } from '../core/baseline.js';
import { InputError } from '../core/errors.js';
import { isRecord, type ObjectRef } from '../core/object.js';
import { isSeverity } from '../core/severity.js';
import { readRegularFileSync } from './input.js';
import { displayPath } from './paths.js';

/** Largest baseline read: a report of a few hundred thousand findings. */
const MAX_BASELINE_BYTES = 256 * 1024 * 1024;

/**
 * Reads `--baseline FILE`: a kubeward JSON report (`kubeward scan --format json`). Anything else (a
 * SARIF log, another tool's JSON, a report without fingerprints) is refused in one line, because a
 * baseline that silently matches nothing would let every finding through as new, or none.
 */
export function readBaseline(file: string): Baseline {
  const name = displayPath(file);
  return parseBaseline(readRegularFileSync(file, MAX_BASELINE_BYTES, `--baseline ${name}`), name);
}

export function parseBaseline(text: string, name: string): Baseline {
  const notReport = (why: string) => new InputError(`--baseline ${name} is not a kubeward JSON report (${why}); write one with kubeward scan --format json`);
  let body: unknown;
  try {
    body = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    throw notReport('not JSON');
  }
  if (!isRecord(body) || typeof body.kubeward !== 'string') throw notReport('no "kubeward" version key');
  if (!Array.isArray(body.findings)) throw notReport('no "findings" list');
  const findings = body.findings.map((entry, index): BaselineFinding => {
    if (!isRecord(entry) || typeof entry.ruleId !== 'string' || !isRecord(entry.object)) throw notReport(`findings[${index}] is not a finding`);
    if (typeof entry.fingerprint !== 'string' || !/^[0-9a-f]{32}$/.test(entry.fingerprint)) {
      throw notReport(`findings[${index}] has no fingerprint: an older kubeward wrote it, write it again`);
    }
    const object = entry.object;
    const ref: ObjectRef = { apiVersion: String(object.apiVersion ?? ''), kind: String(object.kind ?? ''), name: String(object.name ?? '') };
    if (typeof object.namespace === 'string') ref.namespace = object.namespace;
    return {
      fingerprint: entry.fingerprint,
      ruleId: entry.ruleId,
      severity: isSeverity(entry.severity) ? entry.severity : 'info',
      message: typeof entry.message === 'string' ? entry.message : '',
      object: ref,
    };
  });
  return { source: name, findings };
}
