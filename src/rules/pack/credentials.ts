import type { Severity } from '../../core/severity.js';

/**
 * Recognising credentials in plain text, without ever repeating them: detectors return what kind of
 * credential a value looks like, never the value.
 */
export interface CredentialMatch {
  /** Stable name for evidence: `aws-access-key-id`, `private-key`, `url-password`, `named-value`… */
  kind: string;
  /** For messages: "an AWS access key id". */
  description: string;
  severity: Severity;
}

/** Shapes that are credentials whatever the key is called. */
const SHAPES: readonly { kind: string; description: string; severity: Severity; pattern: RegExp }[] = [
  { kind: 'aws-access-key-id', description: 'an AWS access key id', severity: 'high', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/ },
  { kind: 'private-key', description: 'a private key', severity: 'high', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/ },
  { kind: 'github-token', description: 'a GitHub token', severity: 'high', pattern: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{22,}/ },
  { kind: 'gitlab-token', description: 'a GitLab token', severity: 'high', pattern: /\bglpat-[A-Za-z0-9_-]{20}\b/ },
  { kind: 'slack-token', description: 'a Slack token', severity: 'high', pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/ },
  // scheme://user:password@host, unless the password is a reference ($(VAR), ${VAR}, {{ }}).
  { kind: 'url-password', description: 'a connection string with a password', severity: 'medium', pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+:(?![$({])[^\s@/]+@[^\s]/i },
];

/** Names of keys and variables that hold a credential; not their companions (`*_FILE`, `*_NAME`, `*_TTL`…). */
const CREDENTIAL_NAME = /(?:^|[^a-z])(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_.-]?key|apikey|access[_.-]?key|secret[_.-]?key|private[_.-]?key|credentials?|auth[_.-]?key|client[_.-]?secret|conn(?:ection)?[_.-]?str(?:ing)?)(?:$|[^a-z])/i;
const COMPANION_SUFFIX = /[_.-](?:file|path|dir|name|ref|ttl|timeout|length|len|size|enabled|enable|disabled|type|mode|id|expiry|expiration|lifetime|url|endpoint|header|version|rotation|policy)s?$/i;

/**
 * A word every credential name contains (`api_key` and `accessKey` have `key`): a text without one
 * names no credential, which one scan tells, before any line is split or any name re-spaced.
 */
const CREDENTIAL_WORD = /pass|pwd|secret|token|key|credential|conn/i;

export function isCredentialName(name: string): boolean {
  if (!CREDENTIAL_WORD.test(name)) return false;
  const spaced = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2');
  return CREDENTIAL_NAME.test(spaced) && !COMPANION_SUFFIX.test(spaced);
}

/** A value that is not a literal credential: empty, a reference, a path, a number or boolean, a placeholder. */
export function isNonLiteral(value: string): boolean {
  const text = value.trim();
  if (text.length < 4) return true;
  if (/^(?:true|false|yes|no|on|off|null|none|nil|-?\d+(?:\.\d+)?)$/i.test(text)) return true;
  if (/^\$[({]|^\{\{.*\}\}$|^<[^>]+>$|^\$\w+$/.test(text)) return true;
  if (/^(?:\/|\.\/|~\/|file:|vault:|arn:aws:secretsmanager|ref\+|secretsmanager:)/i.test(text)) return true;
  return false;
}

/** What kind of credential a value looks like, by its shape alone. */
export function credentialShape(value: string): CredentialMatch | undefined {
  for (const shape of SHAPES) if (shape.pattern.test(value)) return { kind: shape.kind, description: shape.description, severity: shape.severity };
  return undefined;
}

/** A named value: its shape, else its name when the value is a literal. */
export function namedCredential(name: string, value: string): CredentialMatch | undefined {
  const shape = credentialShape(value);
  if (shape) return shape;
  if (isCredentialName(name) && !isNonLiteral(value)) return { kind: 'named-value', description: 'a credential in plain text', severity: 'medium' };
  return undefined;
}

/**
 * `password: hunter2`, `api_key = "…"`, `"token": "…"` lines inside a configuration file held in a
 * value: the 1-based line of the first such assignment, and what it looks like.
 */
export function credentialAssignmentIn(text: string): { line: number; match: CredentialMatch } | undefined {
  if (!CREDENTIAL_WORD.test(text)) return undefined;
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const assignment = /^\s*["']?([A-Za-z0-9_.-]+)["']?\s*[:=]\s*["']?([^"'#\s][^"'#]*?)["']?\s*,?\s*(?:#.*)?$/.exec(lines[index]);
    if (!assignment) continue;
    const [, key, value] = assignment;
    if (isCredentialName(key) && !isNonLiteral(value)) return { line: index + 1, match: { kind: 'named-value', description: `a credential in plain text (${key})`, severity: 'medium' } };
  }
  return undefined;
}
