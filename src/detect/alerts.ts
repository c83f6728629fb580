import type { Alert } from '../core/alert.js';
import { InputError } from '../core/errors.js';
import { isSeverity, type Severity } from '../core/severity.js';

/** Falco's priorities, most severe first, with the names Falco prints. */
export const FALCO_PRIORITIES = ['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'] as const;
export type FalcoPriority = (typeof FALCO_PRIORITIES)[number];

/** The mapping of Falco priorities onto kubeward severities. */
const FALCO_TO_SEVERITY: Record<FalcoPriority, Severity> = {
  Emergency: 'critical',
  Alert: 'critical',
  Critical: 'critical',
  Error: 'high',
  Warning: 'medium',
  Notice: 'low',
  Informational: 'info',
  Debug: 'info',
};

/** A Falco priority as written in a rules file (any case; `info` is Informational). */
export function parseFalcoPriority(text: unknown): FalcoPriority {
  const lower = String(text ?? '').toLowerCase();
  const found = FALCO_PRIORITIES.find((p) => p.toLowerCase() === lower || (lower === 'info' && p === 'Informational'));
  if (!found) throw new InputError(`unknown Falco priority "${String(text)}" (one of ${FALCO_PRIORITIES.join(', ')})`);
  return found;
}

export function severityOfFalcoPriority(priority: FalcoPriority): Severity {
  return FALCO_TO_SEVERITY[priority];
}

export function parseSeverity(text: unknown, where: string): Severity {
  const value = String(text ?? '').toLowerCase();
  if (!isSeverity(value)) throw new InputError(`${where}: priority must be one of critical, high, medium, low, info (got "${String(text)}")`);
  return value;
}

/**
 * The JSON-lines shape of an alert: the contract's keys in the contract's order (issue 5), then the
 * responder's (issue 8); keys without a value are left out.
 */
export function alertLine(alert: Alert): string {
  const { rule, priority, time, principal, summary, evidence, stage, falcoPriority, id, pod, serviceAccount, sourceIPs, domains, objects, respond } = alert;
  return JSON.stringify({ rule, priority, time, principal, summary, evidence, stage, falcoPriority, id, pod, serviceAccount, sourceIPs, domains, objects, respond });
}
