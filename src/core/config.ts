import { InputError } from './errors.js';
import { isRecord } from './object.js';
import { isSeverity, type Severity } from './severity.js';

/** An `ignore` entry of `.kubeward.yaml`: which rule, on which objects, why, and until when. */
export interface IgnoreEntry {
  rule: string;
  /** Globs (`*` matches any run of characters) on the object; an absent field matches anything. */
  match: { kind?: string; namespace?: string; name?: string; file?: string };
  reason: string;
  /** `YYYY-MM-DD`: the suppression applies up to and including this day, then findings come back. */
  expires?: string;
}

/** `.kubeward.yaml`. Every field is optional; command-line flags override it. */
export interface Config {
  failOn?: Severity;
  format?: string;
  ignore: IgnoreEntry[];
  /** Rule ids not to run at all. */
  disable: string[];
  helm: { values?: string[]; set?: string[]; namespace?: string; release?: string; kubeVersion?: string; timeoutSeconds?: number };
}

export function emptyConfig(): Config {
  return { ignore: [], disable: [], helm: {} };
}

/** Validates a parsed `.kubeward.yaml`; every mistake is an InputError naming the file and the field. */
export function parseConfig(raw: unknown, file: string): Config {
  const config = emptyConfig();
  if (raw === null || raw === undefined) return config;
  if (!isRecord(raw)) throw new InputError(`${file}: the configuration must be a mapping`);
  const known = new Set(['failOn', 'format', 'ignore', 'disable', 'helm']);
  for (const key of Object.keys(raw)) if (!known.has(key)) throw new InputError(`${file}: unknown field "${key}" (known: ${[...known].join(', ')})`);
  if (raw.failOn !== undefined) {
    if (!isSeverity(raw.failOn)) throw new InputError(`${file}: failOn must be one of critical, high, medium, low, info`);
    config.failOn = raw.failOn;
  }
  if (raw.format !== undefined) config.format = String(raw.format);
  if (raw.disable !== undefined) {
    if (!Array.isArray(raw.disable)) throw new InputError(`${file}: disable must be a list of rule ids`);
    config.disable = raw.disable.map(String);
  }
  if (raw.ignore !== undefined) {
    if (!Array.isArray(raw.ignore)) throw new InputError(`${file}: ignore must be a list`);
    config.ignore = raw.ignore.map((entry, index) => parseIgnore(entry, `${file}: ignore[${index}]`));
  }
  if (raw.helm !== undefined) {
    if (!isRecord(raw.helm)) throw new InputError(`${file}: helm must be a mapping`);
    const helm = raw.helm;
    config.helm = {
      values: optionalStrings(helm.values, `${file}: helm.values`),
      set: optionalStrings(helm.set, `${file}: helm.set`),
      namespace: helm.namespace === undefined ? undefined : String(helm.namespace),
      release: helm.release === undefined ? undefined : String(helm.release),
      kubeVersion: helm.kubeVersion === undefined ? undefined : String(helm.kubeVersion),
      timeoutSeconds: helm.timeoutSeconds === undefined ? undefined : Number(helm.timeoutSeconds),
    };
  }
  return config;
}

function parseIgnore(entry: unknown, where: string): IgnoreEntry {
  if (!isRecord(entry)) throw new InputError(`${where} must be a mapping with rule, match and reason`);
  if (typeof entry.rule !== 'string' || !entry.rule) throw new InputError(`${where}.rule is required`);
  if (typeof entry.reason !== 'string' || !entry.reason.trim()) throw new InputError(`${where}.reason is required: say why the finding is accepted`);
  const match: IgnoreEntry['match'] = {};
  if (entry.match !== undefined) {
    if (!isRecord(entry.match)) throw new InputError(`${where}.match must be a mapping of kind, namespace, name, file`);
    for (const [key, value] of Object.entries(entry.match)) {
      if (!['kind', 'namespace', 'name', 'file'].includes(key)) throw new InputError(`${where}.match.${key} is unknown (use kind, namespace, name, file)`);
      match[key as keyof IgnoreEntry['match']] = String(value);
    }
  }
  const result: IgnoreEntry = { rule: entry.rule, match, reason: entry.reason.trim() };
  if (entry.expires !== undefined) {
    const expires = String(entry.expires);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(expires) || Number.isNaN(Date.parse(`${expires}T00:00:00Z`))) {
      throw new InputError(`${where}.expires must be a date like 2027-01-31`);
    }
    result.expires = expires;
  }
  return result;
}

function optionalStrings(value: unknown, where: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw new InputError(`${where} must be a list`);
  return value.map(String);
}
