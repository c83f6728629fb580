/**
 * The Kubernetes CEL libraries on top of @marcbachmann/cel-js's standard library: what the API
 * server adds (staging/src/k8s.io/apiserver/pkg/cel/library/*.go and the cel-go extensions
 * base.go enables), registered per Kubernetes version so a policy that uses a library its target
 * version lacks fails to compile, as it would in that API server.
 */
import { EvaluationError, Optional, type Environment } from '@marcbachmann/cel-js';
import { Authorizer, Decision, GroupCheck, PathCheck, ResourceCheck } from './authz.js';
import { charge, sizeCost } from './cost.js';
import { FORMATS, NamedFormat } from './format.js';
import { registerMacros } from './macros.js';
import { CIDR, IP } from './net.js';
import { Quantity } from './quantity.js';
import { re2Find, re2FindAll } from './regex.js';
import { Semver } from './semver.js';
import { KubeURL } from './url.js';
import type { Library } from './versions.js';

class ListsNamespace {}
class SetsNamespace {}
class StringsNamespace {}
class FormatNamespace {}
class IPNamespace {}

function fail(message: string): never {
  throw new EvaluationError(message);
}

type Comparable = bigint | number | string | boolean | Uint8Array;

/** CEL ordering of two values of one comparable type (int/double/uint compare across types). */
function compare(a: unknown, b: unknown): number {
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof a !== typeof b) fail(`no such overload: comparing ${typeName(a)} with ${typeName(b)}`);
  if (typeof a === 'string' || typeof a === 'boolean') return (a as Comparable) < (b as Comparable) ? -1 : (a as Comparable) > (b as Comparable) ? 1 : 0;
  if (a instanceof Quantity && b instanceof Quantity) return Number(a.compareTo(b));
  if (a instanceof Semver && b instanceof Semver) return Number(a.compareTo(b));
  if (a && typeof a === 'object' && typeof (a as { valueOf(): unknown }).valueOf() === 'bigint') return compare((a as { valueOf(): unknown }).valueOf(), (b as { valueOf(): unknown }).valueOf());
  return fail(`no such overload: ${typeName(a)} is not comparable`);
}

function typeName(value: unknown): string {
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return 'double';
  if (Array.isArray(value)) return 'list';
  if (value === null) return 'null_type';
  return typeof value === 'object' ? ((value as object).constructor?.name ?? 'map') : typeof value;
}

/** CEL equality for distinct, indexOf and sets: structural, ints equal to doubles of the same value. */
export function celEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) return a == b;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => celEquals(item, b[index]));
  if (a instanceof IP && b instanceof IP) return a.equals(b);
  if (a instanceof CIDR && b instanceof CIDR) return a.equals(b);
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(Buffer.from(b));
    const entriesA = a instanceof Map ? [...a] : Object.entries(a);
    const mapB = b instanceof Map ? b : new Map(Object.entries(b));
    return entriesA.length === mapB.size && entriesA.every(([key, value]) => mapB.has(key) && celEquals(value, mapB.get(key)));
  }
  return false;
}

function asList(value: unknown): unknown[] {
  if (!Array.isArray(value)) fail(`no such overload: expected a list, got ${typeName(value)}`);
  return value;
}

function flatten(list: unknown[], depth: bigint): unknown[] {
  if (depth < 0n) fail('level must be non-negative');
  const result: unknown[] = [];
  for (const item of list) {
    if (Array.isArray(item) && depth > 0n) result.push(...flatten(item, depth - 1n));
    else result.push(item);
  }
  charge(result.length);
  return result;
}

function ipOf(value: unknown): IP {
  if (value instanceof IP) return value;
  const ip = typeof value === 'string' ? IP.parse(value) : undefined;
  return ip ?? fail(`IP Address '${String(value)}' parse error during conversion from string`);
}

function cidrOf(value: unknown): CIDR {
  if (value instanceof CIDR) return value;
  const cidr = typeof value === 'string' ? CIDR.parse(value) : undefined;
  return cidr ?? fail(`network address parse error during conversion from string: ${String(value)}`);
}

function quantityOf(value: unknown): Quantity {
  const quantity = typeof value === 'string' ? Quantity.parse(value) : undefined;
  return quantity ?? fail(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
}

function semverOf(value: string, normalize = false): Semver {
  return Semver.parse(value, normalize) ?? fail(`could not parse ${JSON.stringify(value)} as semver`);
}

/** Go's strconv.Quote for `strings.quote`. */
function quote(text: string): string {
  let out = '"';
  for (const character of text) {
    const code = character.codePointAt(0) as number;
    if (character === '"' || character === '\\') out += `\\${character}`;
    else if (character === '\n') out += '\\n';
    else if (character === '\t') out += '\\t';
    else if (character === '\r') out += '\\r';
    else if (character === '\x07') out += '\\a';
    else if (character === '\b') out += '\\b';
    else if (character === '\f') out += '\\f';
    else if (character === '\v') out += '\\v';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code === 0xfffd) out += '\\ufffd';
    else out += character;
  }
  return `${out}"`;
}

/** cel-go's `string.format` (strings extension v1): %s %d %f %e %x %X %o %b %%, with precision for floats. */
function format(template: string, args: unknown[]): string {
  let index = 0;
  return template.replace(/%(?:\.(\d+))?([sdfeExXob%])/g, (_whole, precisionText: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    if (index >= args.length) fail(`index ${index} out of range`);
    const value = args[index++];
    const precision = precisionText === undefined ? 6 : Number(precisionText);
    switch (verb) {
      case 's':
        return formatString(value);
      case 'd':
        if (typeof value !== 'bigint' && !(value && typeof value === 'object' && typeof value.valueOf() === 'bigint')) fail(`error during formatting: decimal clause can only be used on integers, was given ${typeName(value)}`);
        return String(value.valueOf());
      case 'f':
        return fixed(value, precision);
      case 'e':
        return exponent(value, precision);
      case 'E':
        return exponent(value, precision).toUpperCase();
      case 'x':
      case 'X': {
        const hex = typeof value === 'string' ? Buffer.from(value).toString('hex') : value instanceof Uint8Array ? Buffer.from(value).toString('hex') : typeof value === 'bigint' ? (value < 0n ? `-${(-value).toString(16)}` : value.toString(16)) : fail(`error during formatting: only integers, byte buffers, and strings can be formatted as hex, was given ${typeName(value)}`);
        return verb === 'X' ? hex.toUpperCase() : hex;
      }
      case 'o':
        return typeof value === 'bigint' ? value.toString(8) : fail(`error during formatting: octal clause can only be used on integers, was given ${typeName(value)}`);
      default:
        return typeof value === 'bigint' ? value.toString(2) : typeof value === 'boolean' ? (value ? '1' : '0') : fail(`error during formatting: only integers and bools can be formatted as binary, was given ${typeName(value)}`);
    }
  });
}

function toDouble(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && ['NaN', 'Infinity', '-Infinity'].includes(value)) return Number(value);
  return fail(`error during formatting: fixed-point clause can only be used on doubles, was given ${typeName(value)}`);
}

function fixed(value: unknown, precision: number): string {
  const number = toDouble(value);
  if (!Number.isFinite(number)) return Number.isNaN(number) ? 'NaN' : number > 0 ? 'Infinity' : '-Infinity';
  return number.toFixed(precision);
}

function exponent(value: unknown, precision: number): string {
  const number = toDouble(value);
  if (!Number.isFinite(number)) return Number.isNaN(number) ? 'NaN' : number > 0 ? 'Infinity' : '-Infinity';
  return number.toExponential(precision).replace(/e([+-])(\d)$/, 'e$10$2');
}

function formatString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) < 1e21 ? String(value) : String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(formatString).join(', ')}]`;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (value instanceof Map || (value && typeof value === 'object' && Object.getPrototypeOf(value) === null) || (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)) {
    const entries = value instanceof Map ? [...value] : Object.entries(value);
    const shown = entries.map(([key, item]) => [formatString(key), formatString(item)] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${shown.map(([key, item]) => `${key}: ${item}`).join(', ')}}`;
  }
  if (value && typeof value === 'object' && typeof value.valueOf() === 'bigint') return String(value.valueOf());
  return String(value);
}

export function registerLibraries(env: Environment, libraries: ReadonlySet<Library>): void {
  const fn = (signature: string, handler: (...args: never[]) => unknown) => env.registerFunction(signature, handler as (...args: unknown[]) => unknown);

  // Strings extension: v0 is the library's own; v2 (1.29) adds format and strings.quote; charAt and replace are v0.
  fn('string.charAt(int): string', (text: string, index: bigint) => {
    const characters = [...text];
    if (index < 0n || index > BigInt(characters.length)) fail(`index out of range: ${index}`);
    return characters[Number(index)] ?? '';
  });
  fn('string.replace(string, string): string', (text: string, from: string, to: string) => {
    charge(sizeCost(text));
    return text.split(from).join(to);
  });
  fn('string.replace(string, string, int): string', (text: string, from: string, to: string, limit: bigint) => {
    charge(sizeCost(text));
    if (limit < 0n) return text.split(from).join(to);
    const parts = text.split(from);
    const replaced = Math.min(Number(limit), parts.length - 1);
    return parts.slice(0, replaced + 1).join(to) + (replaced < parts.length - 1 ? from + parts.slice(replaced + 1).join(from) : '');
  });
  if (libraries.has('strings-v2')) {
    fn('string.format(list): string', (template: string, args: unknown[]) => {
      charge(sizeCost(template) + args.length);
      return format(template, args);
    });
    env.registerType('StringsNamespace', StringsNamespace).registerConstant('strings', 'StringsNamespace', new StringsNamespace());
    fn('StringsNamespace.quote(string): string', (_namespace: StringsNamespace, text: string) => quote(text));
  }

  // Kubernetes regex library (always).
  fn('string.find(string): string', (text: string, pattern: string) => {
    charge(sizeCost(text));
    return re2Find(text, pattern);
  });
  fn('string.findAll(string): list<string>', (text: string, pattern: string) => {
    charge(sizeCost(text));
    return re2FindAll(text, pattern);
  });
  fn('string.findAll(string, int): list<string>', (text: string, pattern: string, limit: bigint) => {
    charge(sizeCost(text));
    return re2FindAll(text, pattern, Number(limit));
  });

  // Kubernetes lists library (always).
  fn('list.isSorted(): bool', (list: unknown[]) => {
    charge(list.length);
    return list.every((item, index) => index === 0 || compare(list[index - 1], item) <= 0);
  });
  fn('list.sum(): dyn', (list: unknown[]) => {
    charge(list.length);
    if (list.length === 0) return 0n;
    return list.reduce((total, item) => {
      if (typeof total === 'bigint' && typeof item === 'bigint') return total + item;
      if (typeof total === 'number' && typeof item === 'number') return total + item;
      if (total instanceof Quantity && item instanceof Quantity) return total.add(item);
      return fail(`no such overload: sum of ${typeName(total)} and ${typeName(item)}`);
    });
  });
  for (const [name, sign] of [
    ['min', -1],
    ['max', 1],
  ] as const) {
    fn(`list.${name}(): dyn`, (list: unknown[]) => {
      charge(list.length);
      if (list.length === 0) fail(`${name} called on an empty list`);
      return list.reduce((best, item) => (compare(item, best) * sign > 0 ? item : best));
    });
  }
  fn('list.indexOf(dyn): int', (list: unknown[], value: unknown) => {
    charge(list.length);
    return BigInt(list.findIndex((item) => celEquals(item, value)));
  });
  fn('list.lastIndexOf(dyn): int', (list: unknown[], value: unknown) => {
    charge(list.length);
    for (let index = list.length - 1; index >= 0; index--) if (celEquals(list[index], value)) return BigInt(index);
    return -1n;
  });

  // Lists extension v3 (1.34): slice, flatten, distinct, lists.range, reverse, sort, sortBy.
  if (libraries.has('lists-v3')) {
    env.registerType('ListsNamespace', ListsNamespace).registerConstant('lists', 'ListsNamespace', new ListsNamespace());
    fn('ListsNamespace.range(int): list<int>', (_namespace: ListsNamespace, count: bigint) => {
      charge(Number(count > 0n ? count : 0n));
      return Array.from({ length: Number(count > 0n ? count : 0n) }, (_, index) => BigInt(index));
    });
    fn('list.slice(int, int): list<dyn>', (list: unknown[], start: bigint, end: bigint) => {
      if (start < 0n || end < 0n) fail(`cannot slice(${start}, ${end}), negative indexes not supported`);
      if (start > end) fail(`cannot slice(${start}, ${end}), start index must be less than or equal to end index`);
      if (end > BigInt(list.length)) fail(`cannot slice(${start}, ${end}), list is length ${list.length}`);
      charge(Number(end - start));
      return list.slice(Number(start), Number(end));
    });
    fn('list.flatten(): list<dyn>', (list: unknown[]) => flatten(list, 1n));
    fn('list.flatten(int): list<dyn>', (list: unknown[], depth: bigint) => flatten(list, depth));
    fn('list.distinct(): list<dyn>', (list: unknown[]) => {
      charge(list.length * list.length);
      const result: unknown[] = [];
      for (const item of list) if (!result.some((kept) => celEquals(kept, item))) result.push(item);
      return result;
    });
    fn('list.reverse(): list<dyn>', (list: unknown[]) => {
      charge(list.length);
      return [...list].reverse();
    });
    fn('list.sort(): list<dyn>', (list: unknown[]) => {
      charge(list.length * Math.max(1, Math.ceil(Math.log2(list.length + 1))));
      return [...list].sort(compare);
    });
  }

  // Sets extension (1.29).
  if (libraries.has('sets')) {
    env.registerType('SetsNamespace', SetsNamespace).registerConstant('sets', 'SetsNamespace', new SetsNamespace());
    const contains = (list: unknown[], sub: unknown[]) => {
      charge(list.length * sub.length);
      return sub.every((item) => list.some((have) => celEquals(have, item)));
    };
    fn('SetsNamespace.contains(list, list): bool', (_namespace: SetsNamespace, list: unknown[], sub: unknown[]) => contains(asList(list), asList(sub)));
    fn('SetsNamespace.equivalent(list, list): bool', (_namespace: SetsNamespace, a: unknown[], b: unknown[]) => contains(asList(a), asList(b)) && contains(asList(b), asList(a)));
    fn('SetsNamespace.intersects(list, list): bool', (_namespace: SetsNamespace, a: unknown[], b: unknown[]) => {
      charge(a.length * b.length);
      return asList(a).some((item) => asList(b).some((other) => celEquals(item, other)));
    });
  }

  // Kubernetes URL library (always).
  env.registerType('URL', KubeURL);
  fn('url(string): URL', (text: string) => KubeURL.parse(text) ?? fail(`URL parse error during conversion from string: ${text}`));
  fn('isURL(string): bool', (text: string) => KubeURL.parse(text) !== undefined);
  fn('URL.getScheme(): string', (url: KubeURL) => url.scheme);
  fn('URL.getHost(): string', (url: KubeURL) => url.getHost());
  fn('URL.getHostname(): string', (url: KubeURL) => url.getHostname());
  fn('URL.getPort(): string', (url: KubeURL) => url.getPort());
  fn('URL.getEscapedPath(): string', (url: KubeURL) => url.getEscapedPath());
  fn('URL.getQuery(): map<string, list<string>>', (url: KubeURL) => url.getQuery());

  // Kubernetes quantity library (1.28, so in every supported version).
  env.registerType('Quantity', Quantity);
  fn('quantity(string): Quantity', (text: string) => quantityOf(text));
  fn('isQuantity(string): bool', (text: string) => Quantity.parse(text) !== undefined);
  fn('Quantity.isInteger(): bool', (quantity: Quantity) => quantity.isInteger());
  fn('Quantity.asInteger(): int', (quantity: Quantity) => {
    try {
      return quantity.asInteger();
    } catch (error) {
      return fail((error as Error).message);
    }
  });
  fn('Quantity.asApproximateFloat(): double', (quantity: Quantity) => quantity.asApproximateFloat());
  fn('Quantity.sign(): int', (quantity: Quantity) => quantity.sign());
  fn('Quantity.add(Quantity): Quantity', (quantity: Quantity, other: Quantity) => quantity.add(other));
  fn('Quantity.add(int): Quantity', (quantity: Quantity, other: bigint) => quantity.add(other));
  fn('Quantity.sub(Quantity): Quantity', (quantity: Quantity, other: Quantity) => quantity.sub(other));
  fn('Quantity.sub(int): Quantity', (quantity: Quantity, other: bigint) => quantity.sub(other));
  fn('Quantity.isLessThan(Quantity): bool', (quantity: Quantity, other: Quantity) => quantity.compareTo(other) < 0n);
  fn('Quantity.isGreaterThan(Quantity): bool', (quantity: Quantity, other: Quantity) => quantity.compareTo(other) > 0n);
  fn('Quantity.compareTo(Quantity): int', (quantity: Quantity, other: Quantity) => quantity.compareTo(other));

  // Kubernetes IP and CIDR libraries (1.30).
  if (libraries.has('ip-cidr')) {
    env.registerType('IP', IP).registerType('CIDR', CIDR);
    env.registerType('IPNamespace', IPNamespace).registerConstant('ip', 'IPNamespace', new IPNamespace());
    fn('ip(string): IP', (text: string) => ipOf(text));
    fn('isIP(string): bool', (text: string) => IP.parse(text) !== undefined);
    fn('IPNamespace.isCanonical(string): bool', (_namespace: IPNamespace, text: string) => ipOf(text).toString() === text);
    fn('string(IP): string', (ip: IP) => ip.toString());
    fn('IP.family(): int', (ip: IP) => BigInt(ip.family));
    fn('IP.isUnspecified(): bool', (ip: IP) => ip.isUnspecified());
    fn('IP.isLoopback(): bool', (ip: IP) => ip.isLoopback());
    fn('IP.isLinkLocalMulticast(): bool', (ip: IP) => ip.isLinkLocalMulticast());
    fn('IP.isLinkLocalUnicast(): bool', (ip: IP) => ip.isLinkLocalUnicast());
    fn('IP.isGlobalUnicast(): bool', (ip: IP) => ip.isGlobalUnicast());
    env.registerOperator('IP == IP', (a: IP, b: IP) => a.equals(b));
    fn('cidr(string): CIDR', (text: string) => cidrOf(text));
    fn('isCIDR(string): bool', (text: string) => CIDR.parse(text) !== undefined);
    fn('string(CIDR): string', (cidr: CIDR) => cidr.toString());
    fn('CIDR.containsIP(IP): bool', (cidr: CIDR, ip: IP) => cidr.containsIP(ip));
    fn('CIDR.containsIP(string): bool', (cidr: CIDR, ip: string) => cidr.containsIP(ipOf(ip)));
    fn('CIDR.containsCIDR(CIDR): bool', (cidr: CIDR, other: CIDR) => cidr.containsCIDR(other));
    fn('CIDR.containsCIDR(string): bool', (cidr: CIDR, other: string) => cidr.containsCIDR(cidrOf(other)));
    fn('CIDR.ip(): IP', (cidr: CIDR) => cidr.ip);
    fn('CIDR.masked(): CIDR', (cidr: CIDR) => cidr.masked());
    fn('CIDR.prefixLength(): int', (cidr: CIDR) => BigInt(cidr.prefixLength));
    env.registerOperator('CIDR == CIDR', (a: CIDR, b: CIDR) => a.equals(b));
  }

  // Kubernetes format library (1.31).
  if (libraries.has('format')) {
    env.registerType('Format', NamedFormat).registerType('FormatNamespace', FormatNamespace).registerConstant('format', 'FormatNamespace', new FormatNamespace());
    fn('FormatNamespace.named(string): optional<Format>', (_namespace: FormatNamespace, name: string) => (FORMATS[name] ? Optional.of(new NamedFormat(name)) : Optional.none()));
    for (const name of Object.keys(FORMATS)) fn(`FormatNamespace.${name}(): Format`, () => new NamedFormat(name));
    fn('Format.validate(string): optional<list<string>>', (named: NamedFormat, value: string) => {
      const errors = named.validate(value);
      return errors.length ? Optional.of(errors) : Optional.none();
    });
  }

  // Kubernetes semver library (1.33).
  if (libraries.has('semver')) {
    env.registerType('Semver', Semver);
    fn('semver(string): Semver', (text: string) => semverOf(text));
    fn('semver(string, bool): Semver', (text: string, normalize: boolean) => semverOf(text, normalize));
    fn('isSemver(string): bool', (text: string) => Semver.parse(text) !== undefined);
    fn('isSemver(string, bool): bool', (text: string, normalize: boolean) => Semver.parse(text, normalize) !== undefined);
    fn('Semver.major(): int', (version: Semver) => version.major);
    fn('Semver.minor(): int', (version: Semver) => version.minor);
    fn('Semver.patch(): int', (version: Semver) => version.patch);
    fn('Semver.isLessThan(Semver): bool', (version: Semver, other: Semver) => version.compareTo(other) < 0n);
    fn('Semver.isGreaterThan(Semver): bool', (version: Semver, other: Semver) => version.compareTo(other) > 0n);
    fn('Semver.compareTo(Semver): int', (version: Semver, other: Semver) => version.compareTo(other));
  }

  // Kubernetes authorizer library (1.27), selectors (1.31).
  env.registerType('Authorizer', { ctor: Authorizer, fields: { requestResource: 'ResourceCheck' } } as never);
  env.registerType('PathCheck', PathCheck).registerType('GroupCheck', GroupCheck).registerType('ResourceCheck', ResourceCheck).registerType('Decision', Decision);
  fn('Authorizer.path(string): PathCheck', (authorizer: Authorizer, path: string) => authorizer.path(path));
  fn('Authorizer.group(string): GroupCheck', (authorizer: Authorizer, group: string) => authorizer.group(group));
  fn('Authorizer.serviceAccount(string, string): Authorizer', (authorizer: Authorizer, namespace: string, name: string) => authorizer.serviceAccount(namespace, name));
  fn('GroupCheck.resource(string): ResourceCheck', (check: GroupCheck, resource: string) => check.resource(resource));
  fn('ResourceCheck.subresource(string): ResourceCheck', (check: ResourceCheck, value: string) => check.subresource(value));
  fn('ResourceCheck.namespace(string): ResourceCheck', (check: ResourceCheck, value: string) => check.namespace(value));
  fn('ResourceCheck.name(string): ResourceCheck', (check: ResourceCheck, value: string) => check.name(value));
  if (libraries.has('authz-selectors')) {
    fn('ResourceCheck.fieldSelector(string): ResourceCheck', (check: ResourceCheck, value: string) => check.fieldSelector(value));
    fn('ResourceCheck.labelSelector(string): ResourceCheck', (check: ResourceCheck, value: string) => check.labelSelector(value));
  }
  fn('ResourceCheck.check(string): Decision', (check: ResourceCheck, verb: string) => check.check(verb));
  fn('PathCheck.check(string): Decision', (check: PathCheck, verb: string) => check.check(verb));
  fn('Decision.allowed(): bool', (decision: Decision) => decision.allowed());
  fn('Decision.reason(): string', (decision: Decision) => decision.reason());
  fn('Decision.errored(): bool', (decision: Decision) => decision.errored());
  fn('Decision.error(): string', (decision: Decision) => decision.error());

  // Optional types, as cel-go's latest OptionalTypes (1.28): the rest of the library beyond `.?`, `or`, `orValue`, `hasValue`, `value`.
  fn('OptionalNamespace.ofNonZeroValue(dyn): optional<dyn>', (_namespace: unknown, value: unknown) => (isZeroValue(value) ? Optional.none() : Optional.of(value)));
  fn('OptionalNamespace.unwrap(list): list<dyn>', (_namespace: unknown, list: unknown[]) => asList(list).filter((item) => item instanceof Optional && item.hasValue()).map((item) => (item as Optional).value()));
  fn('list.first(): optional<dyn>', (list: unknown[]) => (list.length ? Optional.of(list[0]) : Optional.none()));
  fn('list.last(): optional<dyn>', (list: unknown[]) => (list.length ? Optional.of(list[list.length - 1]) : Optional.none()));

  // Standard-library conversions the library lacks.
  fn('int(uint): int', (value: { valueOf(): bigint | number }) => {
    const number = BigInt(value.valueOf());
    if (number > (1n << 63n) - 1n) fail('int overflow');
    return number;
  });
  fn('int(google.protobuf.Timestamp): int', (time: Date) => BigInt(Math.floor(time.getTime() / 1000)));
  env.registerOperator('optional == optional', (a: Optional, b: Optional) => (a.hasValue() ? b.hasValue() && celEquals(a.value(), b.value()) : !b.hasValue()));

  registerMacros(env, libraries);
}

/** cel-go's zero values: false, 0, 0.0, '', b'', [], {}, null. */
function isZeroValue(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0n || value === 0 || value === '') return true;
  if (Array.isArray(value) || value instanceof Uint8Array) return value.length === 0;
  if (value instanceof Map) return value.size === 0;
  if (typeof value === 'object' && (Object.getPrototypeOf(value) === null || Object.getPrototypeOf(value) === Object.prototype)) return Object.keys(value).length === 0;
  return false;
}
