import { isRecord } from './object.js';

/** metav1.LabelSelector. An absent selector and `{}` differ by context; callers decide. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/**
 * Why a selector is invalid, as the API server's validation would say it, or undefined when valid.
 * `In`/`NotIn` need at least one value; `Exists`/`DoesNotExist` must have none.
 */
export function selectorError(selector: unknown): string | undefined {
  if (selector === undefined || selector === null) return undefined;
  if (!isRecord(selector)) return 'selector must be a mapping';
  const { matchLabels, matchExpressions } = selector;
  if (matchLabels !== undefined && matchLabels !== null) {
    if (!isRecord(matchLabels)) return 'matchLabels must be a mapping';
    for (const [key, value] of Object.entries(matchLabels)) {
      if (typeof value !== 'string') return `matchLabels.${key} must be a string`;
    }
  }
  if (matchExpressions !== undefined && matchExpressions !== null) {
    if (!Array.isArray(matchExpressions)) return 'matchExpressions must be a list';
    for (const [index, requirement] of matchExpressions.entries()) {
      if (!isRecord(requirement) || typeof requirement.key !== 'string') return `matchExpressions[${index}].key is required`;
      const operator = requirement.operator;
      if (typeof operator !== 'string' || !OPERATORS.has(operator)) {
        return `matchExpressions[${index}].operator "${String(operator)}" is not a valid selector operator`;
      }
      const values = requirement.values;
      // The API server decodes values as a list of strings: a mapping or a scalar is rejected there.
      if (values !== undefined && values !== null && !Array.isArray(values)) return `matchExpressions[${index}].values must be a list`;
      const count = Array.isArray(values) ? values.length : 0;
      if ((operator === 'In' || operator === 'NotIn') && count === 0) {
        return `matchExpressions[${index}].values must be non-empty for operator ${operator}`;
      }
      if ((operator === 'Exists' || operator === 'DoesNotExist') && count > 0) {
        return `matchExpressions[${index}].values must be empty for operator ${operator}`;
      }
    }
  }
  return undefined;
}

/**
 * Does `labels` satisfy the selector? Requirements are ANDed; an empty selector matches everything.
 * Callers must reject invalid selectors first (see selectorError); here an unknown operator matches nothing.
 */
export function selectorMatches(selector: LabelSelector | undefined | null, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (!selector) return true;
  const have = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (have[key] !== value) return false;
  }
  for (const requirement of selector.matchExpressions ?? []) {
    const present = Object.prototype.hasOwnProperty.call(have, requirement.key);
    const values = requirement.values ?? [];
    switch (requirement.operator) {
      case 'In':
        if (!present || !values.includes(have[requirement.key])) return false;
        break;
      case 'NotIn':
        if (present && values.includes(have[requirement.key])) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Is this the empty selector `{}` (matches all), as opposed to an absent one? */
export function isEmptySelector(selector: LabelSelector | undefined | null): boolean {
  return !!selector && Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}

/** Equality-based selector of Services and ReplicationControllers: a plain map, all must match; `{}` matches nothing for Services. */
export function mapSelectorMatches(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>> | undefined): boolean {
  const have = labels ?? {};
  return Object.entries(selector).every(([key, value]) => have[key] === value);
}
