import type { Config, IgnoreEntry } from '../core/config.js';
import type { Suppression } from '../core/finding.js';
import type { KubeObject } from '../core/object.js';
import type { Severity } from '../core/severity.js';

export const IGNORE_ANNOTATION = 'kubeward.io/ignore';

/**
 * Parses `kubeward.io/ignore: "<ruleId>[,<ruleId>…]; <reason>"`. Returns the rule ids and the reason;
 * a value without `;` suppresses the listed rules with no reason given.
 */
export function parseIgnoreAnnotation(value: string): { rules: string[]; reason: string } {
  const separator = value.indexOf(';');
  const ids = separator < 0 ? value : value.slice(0, separator);
  const reason = separator < 0 ? '' : value.slice(separator + 1).trim();
  return { rules: ids.split(',').map((id) => id.trim()).filter(Boolean), reason };
}

export interface SuppressionTarget {
  ruleId: string;
  object: KubeObject;
  file?: string;
  severity?: Severity;
}

/**
 * Decides whether a finding is suppressed: the object's annotation first (unless `annotations` is
 * false), then the config's `ignore` entries that have not expired on `today` (`YYYY-MM-DD`).
 *
 * The annotation is written by whoever wrote the object, and the attack this tool stops is a chart
 * whose author is the attacker: it cannot suppress a `critical` finding (the attack pattern, "do
 * not install"), or a trojan chart would annotate its own sidecar and pass. Those take an `ignore`
 * entry of `.kubeward.yaml`, which is the user's; a platform team that trusts no author turns the
 * annotation off (`annotationSuppressions: false`, `--no-annotation-suppressions`).
 */
export function findSuppression(target: SuppressionTarget, ignores: readonly IgnoreEntry[], today: string, annotations = true): Suppression | undefined {
  const annotation = annotations ? target.object.metadata.annotations?.[IGNORE_ANNOTATION] : undefined;
  if (typeof annotation === 'string' && target.severity !== 'critical') {
    const { rules, reason } = parseIgnoreAnnotation(annotation);
    if (rules.includes(target.ruleId)) return { source: 'annotation', reason };
  }
  for (const entry of ignores) {
    if (entry.rule !== target.ruleId && entry.rule !== '*') continue;
    if (entry.expires && entry.expires < today) continue;
    if (!matchesObject(entry.match, target)) continue;
    const suppression: Suppression = { source: 'config', reason: entry.reason };
    if (entry.expires) suppression.expires = entry.expires;
    return suppression;
  }
  return undefined;
}

/** What suppresses a finding, as the configuration (with the flags that override it) says: its `ignore` entries, and whether annotations count. */
export function suppressionsOf(config: Pick<Config, 'ignore' | 'annotationSuppressions'>): { ignores: readonly IgnoreEntry[]; annotationSuppressions?: boolean } {
  return config.annotationSuppressions === false ? { ignores: config.ignore, annotationSuppressions: false } : { ignores: config.ignore };
}

function matchesObject(match: IgnoreEntry['match'], target: SuppressionTarget): boolean {
  const { metadata, kind } = target.object;
  return (
    globMatches(match.kind, kind) &&
    globMatches(match.namespace, metadata.namespace ?? '') &&
    globMatches(match.name, metadata.name ?? '') &&
    globMatches(match.file, target.file ?? '')
  );
}

/** `*` matches any run of characters; everything else is literal. An absent pattern matches anything. */
export function globMatches(pattern: string | undefined, value: string): boolean {
  if (pattern === undefined) return true;
  const expression = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${expression}$`).test(value);
}
