import jsYaml from 'js-yaml';

/**
 * The scalars Kubernetes reads. kubectl, helm and the API server parse YAML with sigs.k8s.io/yaml,
 * which resolves plain scalars the YAML 1.1 way of go-yaml v2: `yes`/`on`/`y` are booleans,
 * `0644` is octal (420), `1_000` is 1000, and timestamps stay strings. A scanner that reads YAML 1.2
 * instead sees `defaultMode: 0644` as 644: not what gets installed.
 */

const TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);

/** 1 at the character codes a boolean word starts with (y, n, t, f, o, in either case). */
const BOOLEAN_START = new Uint8Array(128);
for (const word of [...TRUE, ...FALSE]) BOOLEAN_START[word.charCodeAt(0)] = 1;

const bool = new jsYaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  // Every plain scalar of a manifest is asked whether it is a boolean: the length and first-letter tests spare nearly all of them two set lookups (hashing a fresh string).
  resolve: (data: string | null) => data !== null && data.length <= 5 && BOOLEAN_START[data.charCodeAt(0)] === 1 && (TRUE.has(data) || FALSE.has(data)),
  construct: (data: string) => TRUE.has(data),
  predicate: (object: unknown) => typeof object === 'boolean',
  represent: (object: object) => String(object),
});

/** Go's strconv.ParseInt(s, 0, 64) after removing underscores: 0x, 0o, 0b, and a leading 0 for octal. */
const INTEGER = /^[-+]?(0b[01]+|0o?[0-7]+|0x[0-9a-fA-F]+|[1-9][0-9]*|0)$/;

export function parseGoInt(text: string): number | undefined {
  const plain = withoutUnderscores(text);
  if (!INTEGER.test(plain)) return undefined;
  const negative = plain.startsWith('-');
  const digits = plain.replace(/^[-+]/, '');
  let value: number;
  if (digits.startsWith('0b')) value = parseInt(digits.slice(2), 2);
  else if (digits.startsWith('0x')) value = parseInt(digits.slice(2), 16);
  else if (digits.startsWith('0o')) value = parseInt(digits.slice(2), 8);
  else if (digits.length > 1 && digits.startsWith('0')) value = parseInt(digits.slice(1), 8);
  else value = parseInt(digits, 10);
  return negative ? -value : value;
}

function withoutUnderscores(text: string): string {
  return text.includes('_') ? text.replace(/_/g, '') : text;
}

/** A digit, `-` or `+` first (character codes: a regular expression here allocates on every scalar). */
function startsLikeNumber(text: string): boolean {
  const first = text.charCodeAt(0);
  return (first >= 48 && first <= 57) || first === 43 || first === 45;
}

const int = new jsYaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  // An integer starts with a digit or a sign (`_` may only come later): names, images and paths are turned away at their first character.
  // The rest is INTEGER's test: only construct reads the number.
  resolve: (data: string | null) => data !== null && startsLikeNumber(data) && INTEGER.test(withoutUnderscores(data)),
  construct: (data: string) => parseGoInt(data),
  predicate: (object: unknown) => typeof object === 'number' && Number.isInteger(object),
  represent: (object: object) => String(object),
});

// js-yaml exports its built-in types at runtime; its type definitions do not declare them.
const builtin = (jsYaml as unknown as { types: Record<'null' | 'float' | 'merge', jsYaml.Type & { resolve(data: string | null): boolean; defaultStyle?: string } > }).types;

/** 1 at the character codes a float can start with (js-yaml's float pattern: a sign, a digit or `.`). */
const FLOAT_START = new Uint8Array(128);
for (const char of '+-.0123456789') FLOAT_START[char.charCodeAt(0)] = 1;

/**
 * js-yaml's float, asked first whether the scalar starts as a float can: every plain scalar of a
 * manifest that is not a null, boolean or integer (every key, name and image) comes here, and
 * js-yaml's answer runs a regular expression. The same answers, without it for nearly all.
 */
const float = new jsYaml.Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (data: string | null) => data !== null && FLOAT_START[data.charCodeAt(0)] === 1 && builtin.float.resolve(data),
  construct: builtin.float.construct,
  predicate: builtin.float.predicate ?? undefined,
  represent: builtin.float.represent ?? undefined,
  defaultStyle: builtin.float.defaultStyle,
});

/** Merge keys (`<<`) included: go-yaml resolves them, and the alias-safe path (yaml-document.ts) does too. */
export const KUBERNETES_SCHEMA = jsYaml.FAILSAFE_SCHEMA.extend({
  implicit: [builtin.null, bool, int, float, builtin.merge],
  explicit: [],
});

/** YAML 1.2 core scalars with merge keys: kubeward's own files (configuration, rules, flows). */
export const CORE_SCHEMA = jsYaml.CORE_SCHEMA.extend({ implicit: [builtin.merge] });
