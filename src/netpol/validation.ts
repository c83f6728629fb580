import { isRecord } from '../core/object.js';
import type { PathSegment } from '../core/provenance.js';
import { selectorError, type LabelSelector } from '../core/selector.js';
import { isProtocol, type Protocol } from './connections.js';

/**
 * The checks the API server makes on NetworkPolicy and AdminNetworkPolicy fields, shared by both
 * parsers. A problem names the field (a path from the object's root) and says what is wrong, in the
 * API server's words where it has them.
 */
export interface PolicyProblem {
  path: PathSegment[];
  message: string;
}

const QUALIFIED_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A label key: an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters. */
function labelKeyError(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return `label key "${key}" has an invalid prefix`;
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name)) return `"${key}" is not a valid label key`;
  return undefined;
}

function labelValueError(value: string): string | undefined {
  if (value === '') return undefined;
  return value.length > 63 || !QUALIFIED_NAME.test(value) ? `"${value}" is not a valid label value` : undefined;
}

/**
 * A label selector as the API server validates it: the structure and operators (selectorError, the
 * one implementation) and the syntax of keys and values. Undefined and null selectors are valid.
 */
export function selectorProblems(selector: unknown, path: PathSegment[]): PolicyProblem[] {
  const structural = selectorError(selector);
  if (structural) return [{ path, message: structural }];
  if (!isRecord(selector)) return [];
  const problems: PolicyProblem[] = [];
  for (const [key, value] of Object.entries((selector.matchLabels as Record<string, string> | null) ?? {})) {
    const message = labelKeyError(key) ?? labelValueError(value);
    if (message) problems.push({ path: [...path, 'matchLabels', key], message });
  }
  ((selector.matchExpressions as LabelSelector['matchExpressions'] | null) ?? []).forEach((requirement, index) => {
    const message = labelKeyError(requirement.key) ?? (requirement.values ?? []).map((value) => (typeof value === 'string' ? labelValueError(value) : `"${String(value)}" is not a label value`)).find(Boolean);
    if (message) problems.push({ path: [...path, 'matchExpressions', index], message });
  });
  return problems;
}

/** A selector field read from unknown JSON: `null` and absent are both "not set". */
export function selectorAt(value: unknown): LabelSelector | undefined {
  return isRecord(value) ? (value as LabelSelector) : undefined;
}

/** IANA_SVC_NAME, as Kubernetes' IsValidPortName: what a named port may be called. */
export function portNameError(name: string): string | undefined {
  if (name.length < 1 || name.length > 15) return `port name "${name}" must be 1-15 characters`;
  if (!/^[a-z0-9-]+$/.test(name)) return `port name "${name}" must contain only lowercase letters, digits and '-'`;
  if (!/[a-z]/.test(name)) return `port name "${name}" must contain at least one letter`;
  if (name.includes('--')) return `port name "${name}" must not contain consecutive '-'`;
  if (name.startsWith('-') || name.endsWith('-')) return `port name "${name}" must not begin or end with '-'`;
  return undefined;
}

export function isPortNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

/** `protocol`, defaulted to TCP as the API server's defaulting does; an error for anything but TCP, UDP, SCTP. */
export function protocolAt(value: unknown, path: PathSegment[], problems: PolicyProblem[]): Protocol {
  if (value === undefined || value === null) return 'TCP';
  if (isProtocol(value)) return value;
  problems.push({ path, message: `protocol "${String(value)}" is not supported (TCP, UDP or SCTP)` });
  return 'TCP';
}

/** A list field: absent or null is an empty list; anything else that is not a list is a problem. */
export function listAt(value: unknown, path: PathSegment[], problems: PolicyProblem[]): unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  problems.push({ path, message: 'must be a list' });
  return [];
}
