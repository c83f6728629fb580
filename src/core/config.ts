import { normalizeRepository } from './chart.js';
import { InputError } from './errors.js';
import { parseRegistryPattern } from './image.js';
import { checkSeconds } from './limits.js';
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
  /** Image registries (host, host/path prefix, `*` in the host) containers may pull from; undefined: any. */
  allowedRegistries?: string[];
  /** Chart repositories charts and their dependencies may come from; undefined: any. */
  allowedRepositories?: AllowedRepository[];
  /**
   * Whether the `kubeward.io/ignore` annotation suppresses findings (default true). Its author is the
   * object's, who in the trojan chart is the attacker: a platform team turns it off (`false`, or
   * `--no-annotation-suppressions`), and only its own `ignore` entries suppress.
   */
  annotationSuppressions?: boolean;
}

/** An `allowedRepositories` entry: a URL (`https://…`, `oci://…`) and, optionally, why it is trusted. */
export interface AllowedRepository {
  url: string;
  /** The organisation's own repository: not counted among the allowed *external* repositories. */
  internal: boolean;
  reason?: string;
}

export function emptyConfig(): Config {
  return { ignore: [], disable: [], helm: {} };
}

/** Validates a parsed `.kubeward.yaml`; every mistake is an InputError naming the file and the field. */
export function parseConfig(raw: unknown, file: string): Config {
  const config = emptyConfig();
  if (raw === null || raw === undefined) return config;
  if (!isRecord(raw)) throw new InputError(`${file}: the configuration must be a mapping`);
  const known = new Set(['failOn', 'format', 'ignore', 'disable', 'helm', 'allowedRegistries', 'allowedRepositories', 'annotationSuppressions']);
  for (const key of Object.keys(raw)) if (!known.has(key)) throw new InputError(`${file}: unknown field "${key}" (known: ${[...known].join(', ')})`);
  if (raw.failOn !== undefined) {
    if (!isSeverity(raw.failOn)) throw new InputError(`${file}: failOn must be one of critical, high, medium, low, info`);
    config.failOn = raw.failOn;
  }
  if (raw.format !== undefined) config.format = String(raw.format);
  if (raw.annotationSuppressions !== undefined) {
    if (typeof raw.annotationSuppressions !== 'boolean') throw new InputError(`${file}: annotationSuppressions must be true or false`);
    config.annotationSuppressions = raw.annotationSuppressions;
  }
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
      timeoutSeconds: helm.timeoutSeconds === undefined ? undefined : checkSeconds(helm.timeoutSeconds, `${file}: helm.timeoutSeconds`),
    };
  }
  if (raw.allowedRegistries !== undefined) config.allowedRegistries = parseAllowedRegistries(raw.allowedRegistries, `${file}: allowedRegistries`);
  if (raw.allowedRepositories !== undefined) config.allowedRepositories = parseAllowedRepositories(raw.allowedRepositories, `${file}: allowedRepositories`);
  return config;
}

function parseAllowedRegistries(value: unknown, where: string): string[] {
  if (!Array.isArray(value)) throw new InputError(`${where} must be a list of registries (registry.k8s.io, ghcr.io/acme, *.dkr.ecr.eu-west-1.amazonaws.com)`);
  return value.map((entry, index) => {
    if (typeof entry !== 'string') throw new InputError(`${where}[${index}] must be a string such as ghcr.io/acme`);
    const pattern = parseRegistryPattern(entry);
    if (typeof pattern === 'string') throw new InputError(`${where}[${index}]: ${pattern}`);
    return pattern.text;
  });
}

function parseAllowedRepositories(value: unknown, where: string): AllowedRepository[] {
  if (!Array.isArray(value)) throw new InputError(`${where} must be a list of chart repository URLs (https://…, oci://…)`);
  return value.map((entry, index) => {
    const at = `${where}[${index}]`;
    const record: Record<string, unknown> = isRecord(entry) ? entry : { url: entry };
    for (const key of Object.keys(record)) if (!['url', 'internal', 'reason'].includes(key)) throw new InputError(`${at}.${key} is unknown (use url, internal, reason)`);
    if (typeof record.url !== 'string') throw new InputError(`${at} must be a URL or a mapping with url`);
    const problem = repositoryUrlProblem(record.url);
    if (problem) throw new InputError(`${at}: "${record.url}" ${problem}`);
    if (record.internal !== undefined && typeof record.internal !== 'boolean') throw new InputError(`${at}.internal must be true or false`);
    const allowed: AllowedRepository = { url: normalizeRepository(record.url), internal: record.internal === true };
    if (record.reason !== undefined) allowed.reason = String(record.reason);
    return allowed;
  });
}

/** Why a text is not a chart repository URL, or undefined when it is one. */
function repositoryUrlProblem(text: string): string | undefined {
  if (/\s/.test(text)) return 'contains spaces';
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(text)?.[1]?.toLowerCase();
  if (!scheme) return 'is not a URL: use https://…, http://… or oci://…';
  if (!['https', 'http', 'oci'].includes(scheme)) return `has the scheme ${scheme}: use https://…, http://… or oci://…`;
  try {
    if (!new URL(scheme === 'oci' ? `https${text.slice(3)}` : text).hostname) return 'names no host';
  } catch {
    return 'is not a valid URL';
  }
  return undefined;
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
