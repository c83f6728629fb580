import { InputError } from '../core/errors.js';
import { jsonText, stringsOf, type DetectEvent, type FieldDef, type FieldTable, type FieldValue } from './fields.js';

/**
 * The one condition language of kubeward's detection rules and of Falco rule files: Falco's syntax
 * (`and`, `or`, `not`, parentheses, macros, lists, `field op value`) over the fields of fields.ts.
 * Parsing gives an AST; compiling resolves macros, lists and fields once and returns a closure.
 */

export const UNARY_OPERATORS = ['exists'] as const;
export const LIST_OPERATORS = ['in', 'intersects', 'pmatch'] as const;
export const BINARY_OPERATORS = [
  '=',
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  'contains',
  'icontains',
  'bcontains',
  'startswith',
  'bstartswith',
  'endswith',
  'glob',
  'iglob',
  'regex',
] as const;
export type Operator = (typeof UNARY_OPERATORS)[number] | (typeof LIST_OPERATORS)[number] | (typeof BINARY_OPERATORS)[number];

const TRANSFORMERS = ['tolower', 'toupper', 'b64', 'basename', 'len'] as const;
type Transformer = (typeof TRANSFORMERS)[number];

export interface FieldRef {
  name: string;
  arg?: string;
  /** Applied innermost first: `tolower(b64(x))` is ['b64', 'tolower']. */
  transformers: Transformer[];
}

export type Node =
  | { type: 'and' | 'or'; children: Node[] }
  | { type: 'not'; child: Node }
  | { type: 'macro'; name: string }
  | { type: 'check'; field: FieldRef; op: Operator; values: string[]; valueField?: FieldRef; listValue: boolean };

// ---- parsing ------------------------------------------------------------------------------------

const WORD_OPERATORS = new Set<string>(['exists', 'in', 'intersects', 'pmatch', 'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith', 'endswith', 'glob', 'iglob', 'regex']);
const SYMBOL_OPERATORS = ['==', '!=', '<=', '>=', '=', '<', '>'];

/**
 * How deep a condition may nest: parentheses and `not`s in one condition, macros inside macros, lists
 * inside lists. Real rules stay under ten; the bound keeps hostile rule files from exhausting the stack.
 */
export const MAX_NESTING = 64;

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly text: string) {}

  private nested<T>(parse: () => T): T {
    if (++this.depth > MAX_NESTING) this.fail(`nested more than ${MAX_NESTING} deep`);
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  parse(): Node {
    const node = this.or();
    this.space();
    if (this.pos < this.text.length) this.fail(`unexpected '${this.text.slice(this.pos, this.pos + 20)}'`);
    return node;
  }

  private fail(message: string): never {
    throw new InputError(`condition: ${message} at column ${this.pos + 1} in "${this.text.length > 120 ? this.text.slice(0, 117) + '...' : this.text}"`);
  }

  private space(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  /** A keyword at the cursor, not the start of a longer word. */
  private keyword(word: string): boolean {
    this.space();
    if (!this.text.startsWith(word, this.pos)) return false;
    const next = this.text[this.pos + word.length];
    if (next !== undefined && /[\w.\-[]/.test(next)) return false;
    this.pos += word.length;
    return true;
  }

  private or(): Node {
    const children = [this.and()];
    while (this.keyword('or')) children.push(this.and());
    return children.length === 1 ? children[0] : { type: 'or', children };
  }

  private and(): Node {
    const children = [this.not()];
    while (this.keyword('and')) children.push(this.not());
    return children.length === 1 ? children[0] : { type: 'and', children };
  }

  private not(): Node {
    if (this.keyword('not')) return this.nested(() => ({ type: 'not', child: this.not() }));
    return this.primary();
  }

  private primary(): Node {
    this.space();
    if (this.text[this.pos] === '(') {
      this.pos++;
      const node = this.nested(() => this.or());
      this.space();
      if (this.text[this.pos] !== ')') this.fail("missing ')'");
      this.pos++;
      return node;
    }
    const start = this.pos;
    const field = this.fieldRef();
    if (!field) this.fail('expected a field, a macro or (');
    const op = this.operator();
    if (!op) {
      if (field.arg !== undefined || field.transformers.length > 0) this.fail(`missing operator after ${field.name}`);
      if (!/^[A-Za-z_][\w-]*$/.test(field.name)) {
        this.pos = start;
        this.fail(`missing operator after ${field.name}`);
      }
      return { type: 'macro', name: field.name };
    }
    if (op === 'exists') return { type: 'check', field, op, values: [], listValue: false };
    this.space();
    if ((LIST_OPERATORS as readonly string[]).includes(op) || this.text[this.pos] === '(') {
      if (this.text[this.pos] !== '(') {
        if (op === 'in' || op === 'intersects' || op === 'pmatch') this.fail(`'${op}' needs a list in parentheses`);
      }
      return { type: 'check', field, op, values: this.list(), listValue: true };
    }
    const valueField = this.valFunction();
    if (valueField) return { type: 'check', field, op, values: [], valueField, listValue: false };
    return { type: 'check', field, op, values: [this.value()], listValue: false };
  }

  /** `name`, `name[arg]`, or `transformer(fieldRef)`. */
  private fieldRef(): FieldRef | undefined {
    this.space();
    const match = /^[A-Za-z_][\w.\-]*/.exec(this.text.slice(this.pos));
    if (!match) return undefined;
    const name = match[0];
    this.pos += name.length;
    if ((TRANSFORMERS as readonly string[]).includes(name) && this.text[this.pos] === '(') {
      this.pos++;
      const inner = this.fieldRef();
      this.space();
      if (!inner || this.text[this.pos] !== ')') this.fail(`bad ${name}(...)`);
      this.pos++;
      return { ...inner, transformers: [...inner.transformers, name as Transformer] };
    }
    let arg: string | undefined;
    if (this.text[this.pos] === '[') {
      const end = this.text.indexOf(']', this.pos);
      if (end < 0) this.fail("missing ']'");
      arg = this.text.slice(this.pos + 1, end);
      this.pos = end + 1;
    }
    return { name, arg, transformers: [] };
  }

  private valFunction(): FieldRef | undefined {
    if (!/^val\s*\(/.test(this.text.slice(this.pos))) return undefined;
    this.pos = this.text.indexOf('(', this.pos) + 1;
    const field = this.fieldRef();
    this.space();
    if (!field || this.text[this.pos] !== ')') this.fail('bad val(...)');
    this.pos++;
    return field;
  }

  private operator(): Operator | undefined {
    this.space();
    for (const symbol of SYMBOL_OPERATORS) {
      if (this.text.startsWith(symbol, this.pos)) {
        this.pos += symbol.length;
        return symbol as Operator;
      }
    }
    const match = /^[a-z]+/.exec(this.text.slice(this.pos));
    if (match && WORD_OPERATORS.has(match[0])) {
      const next = this.text[this.pos + match[0].length];
      if (next === undefined || !/[\w.\-]/.test(next)) {
        this.pos += match[0].length;
        return match[0] as Operator;
      }
    }
    return undefined;
  }

  private quoted(): string {
    const quote = this.text[this.pos];
    let out = '';
    this.pos++;
    while (this.pos < this.text.length && this.text[this.pos] !== quote) {
      if (this.text[this.pos] === '\\' && this.pos + 1 < this.text.length) {
        this.pos++;
        const c = this.text[this.pos];
        out += c === 'n' ? '\n' : c === 't' ? '\t' : c;
      } else {
        out += this.text[this.pos];
      }
      this.pos++;
    }
    if (this.pos >= this.text.length) this.fail('unterminated string');
    this.pos++;
    return out;
  }

  /** A quoted string or a bare word (up to whitespace or a closing parenthesis). */
  private value(stopAtComma = false): string {
    this.space();
    const c = this.text[this.pos];
    if (c === '"' || c === "'") return this.quoted();
    const start = this.pos;
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos];
      if (/\s/.test(ch) || ch === ')' || (stopAtComma && ch === ',') || (ch === '(' && this.pos === start)) break;
      this.pos++;
    }
    if (this.pos === start) this.fail('expected a value');
    return this.text.slice(start, this.pos);
  }

  private list(): string[] {
    this.space();
    if (this.text[this.pos] !== '(') this.fail("expected '('");
    this.pos++;
    const items: string[] = [];
    for (;;) {
      this.space();
      if (this.text[this.pos] === ')') {
        this.pos++;
        return items;
      }
      items.push(this.value(true));
      this.space();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== ')') this.fail("expected ',' or ')'");
    }
  }
}

export function parseCondition(text: string): Node {
  return new Parser(text).parse();
}

// ---- compiling ----------------------------------------------------------------------------------

export type Predicate = (event: DetectEvent) => boolean;
export interface MacroLookup {
  get(name: string): Node | undefined;
}
export type Getter = (event: DetectEvent) => FieldValue;

export interface CompileContext {
  fields: FieldTable;
  /** Macro name → its parsed condition (a loader may parse lazily, on first use). */
  macros: MacroLookup;
  /** List name → its items (already expanded). */
  lists: ReadonlyMap<string, readonly string[]>;
  /** Called for things Falco accepts but that kubeward evaluates its own way (see docs/detect.md). */
  warn?: (message: string) => void;
}

/** Walks every field a condition (with its macros) reads: what a loader checks before evaluating. */
export function fieldsOf(node: Node, macros: MacroLookup, seen = new Set<string>(), depth = 0): FieldRef[] {
  switch (node.type) {
    case 'and':
    case 'or':
      return node.children.flatMap((child) => fieldsOf(child, macros, seen, depth));
    case 'not':
      return fieldsOf(node.child, macros, seen, depth);
    case 'macro': {
      const macro = macros.get(node.name);
      if (!macro || seen.has(node.name)) return [];
      if (depth >= MAX_NESTING) throw new InputError(`macro ${node.name}: macros used inside macros more than ${MAX_NESTING} deep`);
      seen.add(node.name);
      return fieldsOf(macro, macros, seen, depth + 1);
    }
    case 'check':
      return node.valueField ? [node.field, node.valueField] : [node.field];
  }
}

/**
 * The values a field must have for the condition to hold, when the condition says so plainly (`field =
 * x` or `field in (…)` in a top-level `and`, through macros; an `or` whose every branch says so gives
 * the union): undefined when it cannot tell. The detector uses it to evaluate only the rules an event
 * can match (by `ka.target.resource`), without changing any result.
 */
export function requiredValues(node: Node, field: string, macros: MacroLookup, lists: ReadonlyMap<string, readonly string[]>, depth = 0): ReadonlySet<string> | undefined {
  if (depth > MAX_NESTING) return undefined;
  switch (node.type) {
    case 'check': {
      const ref = node.field;
      if (ref.name !== field || ref.arg !== undefined || ref.transformers.length > 0 || node.valueField) return undefined;
      if (node.op === '=' || node.op === '==') return node.listValue ? new Set(expandList(node.values, lists)) : new Set(node.values);
      if (node.op === 'in') return new Set(expandList(node.values, lists));
      return undefined;
    }
    case 'macro': {
      const macro = macros.get(node.name);
      return macro ? requiredValues(macro, field, macros, lists, depth + 1) : undefined;
    }
    case 'and': {
      let found: Set<string> | undefined;
      for (const child of node.children) {
        const values = requiredValues(child, field, macros, lists, depth + 1);
        if (!values) continue;
        found = found ? new Set([...found].filter((value) => values.has(value))) : new Set(values);
      }
      return found;
    }
    case 'or': {
      const union = new Set<string>();
      for (const child of node.children) {
        const values = requiredValues(child, field, macros, lists, depth + 1);
        if (!values) return undefined;
        for (const value of values) union.add(value);
      }
      return union;
    }
    case 'not':
      return undefined;
  }
}

export function expandList(items: readonly string[], lists: ReadonlyMap<string, readonly string[]>): string[] {
  return items.flatMap((item) => lists.get(item) ?? [item]);
}

/** A getter for a field reference, with its transformers applied. */
export function compileField(ref: FieldRef, fields: FieldTable): { get: Getter; def: FieldDef; list: boolean; numeric: boolean } {
  const def = fields.get(ref.name);
  if (!def) throw new InputError(`unknown field ${ref.name}`);
  if (def.arg === 'required' && (ref.arg === undefined || ref.arg === '')) throw new InputError(`field ${ref.name} needs an argument: ${ref.name}[...]`);
  if (def.arg === undefined && ref.arg !== undefined) throw new InputError(`field ${ref.name} takes no argument`);
  const arg = ref.arg;
  const source = def.source;
  // A sequence's summary may be rendered on an event of another source: its fields are then unavailable.
  let get: Getter = (event) => (event.source === source ? def.extract(event, arg) : undefined);
  let list = Boolean(def.list);
  let numeric = def.type === 'number';
  for (const transformer of ref.transformers) {
    const inner = get;
    if (transformer === 'len') {
      get = (event) => {
        const value = inner(event);
        if (value === undefined) return undefined;
        return Array.isArray(value) ? value.length : String(value).length;
      };
      list = false;
      numeric = true;
      continue;
    }
    const map = (s: string): string =>
      transformer === 'tolower'
        ? s.toLowerCase()
        : transformer === 'toupper'
          ? s.toUpperCase()
          : transformer === 'b64'
            ? Buffer.from(s, 'base64').toString('utf8')
            : s.slice(s.lastIndexOf('/') + 1);
    get = (event) => {
      const value = inner(event);
      if (value === undefined) return undefined;
      return Array.isArray(value) ? value.map(map) : map(String(value));
    };
    numeric = false;
  }
  return { get, def, list, numeric };
}

/** fnmatch(3)-style glob: `*`, `?`, `[...]`. */
export function globToRegExp(glob: string, ignoreCase = false): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) out += '\\[';
      else {
        let body = glob.slice(i + 1, end);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        out += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, ignoreCase ? 'is' : 's');
}

/** Falco's pmatch: the value is one of the paths or lies below one (component-wise). */
export function pathMatches(value: string, paths: readonly string[]): boolean {
  for (const raw of paths) {
    const path = raw.length > 1 ? raw.replace(/\/+$/, '') : raw;
    if (value === path) return true;
    if (path === '/' ? value.startsWith('/') : value.startsWith(path + '/')) return true;
  }
  return false;
}

function hexBytes(text: string): Buffer {
  const hex = text.replace(/^0x/i, '');
  if (!/^([0-9a-f]{2})*$/i.test(hex)) throw new InputError(`bcontains/bstartswith need a hex string, got "${text}"`);
  return Buffer.from(hex, 'hex');
}

type Compare = (value: string | number) => boolean;

/** What `field op val(other)` may compare with: the right side is event data, never compiled to a pattern. */
const VALUE_FIELD_OPERATORS = new Set<Operator>(['=', '==', '!=', '<', '<=', '>', '>=', 'contains', 'icontains', 'startswith', 'endswith']);

/** One comparison with an operand read from the event (no closure per evaluation, as `val()` needs). */
function compareValues(op: Operator, value: string | number, operand: string, numeric: boolean): boolean {
  if (ORDER_OPERATORS.has(op)) {
    const left = numeric ? Number(value) : String(value);
    const right = numeric ? Number(operand) : operand;
    if (numeric && (operand.trim() === '' || Number.isNaN(right))) return false;
    switch (op) {
      case '!=':
        return left !== right;
      case '<':
        return left < right;
      case '<=':
        return left <= right;
      case '>':
        return left > right;
      case '>=':
        return left >= right;
      default:
        return left === right;
    }
  }
  const text = String(value);
  if (op === 'contains') return text.includes(operand);
  if (op === 'icontains') return text.toLowerCase().includes(operand.toLowerCase());
  if (op === 'startswith') return text.startsWith(operand);
  return text.endsWith(operand);
}

const ORDER_OPERATORS = new Set<string>(['=', '==', '!=', '<', '<=', '>', '>=']);

/** Equality and order, on numbers for numeric fields and on strings (as strcmp, as Falco does) otherwise. */
function ordering<T extends string | number>(op: Operator, operand: T, read: (value: string | number) => T): Compare {
  switch (op) {
    case '=':
    case '==':
      return (v) => read(v) === operand;
    case '!=':
      return (v) => read(v) !== operand;
    case '<':
      return (v) => read(v) < operand;
    case '<=':
      return (v) => read(v) <= operand;
    case '>':
      return (v) => read(v) > operand;
    default:
      return (v) => read(v) >= operand;
  }
}

/** One operator against one scalar value: how the comparison reads, decided at compile time. */
function scalarComparison(op: Operator, operand: string, numeric: boolean): Compare {
  if (ORDER_OPERATORS.has(op)) {
    if (!numeric) return ordering(op, operand, String);
    const number = Number(operand);
    if (operand.trim() === '' || Number.isNaN(number)) throw new InputError(`'${operand}' is not a number`);
    return ordering(op, number, Number);
  }
  switch (op) {
    case 'contains':
      return (v) => String(v).includes(operand);
    case 'icontains': {
      const lower = operand.toLowerCase();
      return (v) => String(v).toLowerCase().includes(lower);
    }
    case 'startswith':
      return (v) => String(v).startsWith(operand);
    case 'endswith':
      return (v) => String(v).endsWith(operand);
    case 'bcontains': {
      const bytes = hexBytes(operand);
      return (v) => Buffer.from(String(v)).includes(bytes);
    }
    case 'bstartswith': {
      const bytes = hexBytes(operand);
      return (v) => Buffer.from(String(v)).subarray(0, bytes.length).equals(bytes);
    }
    case 'glob':
    case 'iglob': {
      const re = globToRegExp(operand, op === 'iglob');
      return (v) => re.test(String(v));
    }
    case 'regex': {
      let re: RegExp;
      try {
        re = new RegExp(`^(?:${operand})$`, 's');
      } catch (error) {
        throw new InputError(`invalid regex "${operand}": ${(error as Error).message}`);
      }
      return (v) => re.test(String(v));
    }
    default:
      throw new InputError(`operator ${op} needs a list`);
  }
}

/** One check as a closure: what the generated condition calls for the checks it does not read inline. */
export function compileCheck(node: Extract<Node, { type: 'check' }>, context: CompileContext): Predicate {
  const { get, list, numeric } = compileField(node.field, context.fields);
  const op = node.op;
  if (op === 'exists') return (event) => get(event) !== undefined;

  if (node.valueField) {
    // `field op val(other)`: the right-hand side is read from the same event.
    const right = compileField(node.valueField, context.fields);
    if (list || right.list) throw new InputError(`val() compares single values, not the list field ${list ? node.field.name : node.valueField.name}`);
    if (!VALUE_FIELD_OPERATORS.has(op)) throw new InputError(`val() compares with ${[...VALUE_FIELD_OPERATORS].join(' ')}, not ${op} (a pattern made from event data is not compiled)`);
    return (event) => {
      const left = get(event);
      const value = right.get(event);
      if (left === undefined || value === undefined) return false;
      return compareValues(op, left as string | number, String(value), numeric);
    };
  }

  const values = node.listValue ? expandList(node.values, context.lists) : node.values;
  if (op === 'in' || op === 'intersects') {
    const set = new Set(values);
    if (list) {
      // Falco's list semantics: `in` is "every value is in the set", `intersects` is "some value is".
      return op === 'in'
        ? (event) => {
            const v = get(event) as readonly string[] | undefined;
            if (v === undefined) return false;
            for (let i = 0; i < v.length; i++) if (!set.has(v[i])) return false;
            return true;
          }
        : (event) => {
            const v = get(event) as readonly string[] | undefined;
            if (v === undefined) return false;
            for (let i = 0; i < v.length; i++) if (set.has(v[i])) return true;
            return false;
          };
    }
    return (event) => {
      const v = get(event);
      return v !== undefined && set.has(String(v));
    };
  }
  if (op === 'pmatch') {
    return (event) => {
      const v = get(event);
      if (v === undefined) return false;
      return Array.isArray(v) ? v.some((item) => pathMatches(item, values)) : pathMatches(String(v), values);
    };
  }
  if (node.listValue) {
    // `x = (a, b)`: true when the comparison holds for one of the values (kubeward; Falco rejects it).
    const compares = values.map((value) => scalarComparison(op, value, numeric));
    return (event) => {
      const v = get(event);
      if (v === undefined) return false;
      const items = Array.isArray(v) ? v : [v];
      return items.some((item) => compares.some((compare) => compare(item)));
    };
  }
  const compare = scalarComparison(op, values[0], numeric);
  if (list) {
    // Falco only allows exists/in/intersects on list fields (it fails at run time otherwise);
    // kubeward reads any other operator as "some element satisfies it".
    context.warn?.(`operator '${op}' on the list field ${node.field.name} is read as "some element ${op} ${values[0]}"`);
    return (event) => {
      const v = get(event);
      return v !== undefined && (v as readonly string[]).some((item) => compare(item));
    };
  }
  return (event) => {
    const v = get(event);
    return v !== undefined && compare(v as string | number);
  };
}

/**
 * Compiles a parsed condition; macros are expanded where they are used (cycles are an error).
 *
 * The condition becomes one JavaScript function of its own (`new Function`), so the JIT sees each
 * rule's code apart: `and`/`or`/`not` are the language's own operators, and the common checks on
 * fields that are a plain path of the audit event (`ka.target.resource in (secrets)`, `ka.verb=get`,
 * `ka.user.groups intersects (…)`, `x exists`) read the path inline. Every other check is the closure
 * `compileCheck` makes, called from there. The generated source holds only kubeward's own field
 * paths and array indices: rule values are passed in arrays, never written into the code.
 */
export function compileCondition(node: Node, context: CompileContext): Predicate {
  const generator = new PredicateSource(context);
  const body = generator.expression(node, []);
  const make = new Function('CHECKS', 'VALUES', 'SETS', 'TEXT', 'STRINGS', 'SOME', 'EVERY', `"use strict"; return function condition(e) { let v; return ${body}; };`);
  return make(generator.checks, generator.values, generator.sets, jsonText, stringsOf, someIn, everyIn) as Predicate;
}

function someIn(values: readonly string[], set: ReadonlySet<string>): boolean {
  for (let i = 0; i < values.length; i++) if (set.has(values[i])) return true;
  return false;
}

function everyIn(values: readonly string[], set: ReadonlySet<string>): boolean {
  for (let i = 0; i < values.length; i++) if (!set.has(values[i])) return false;
  return true;
}

const INLINE_OPERATORS = new Set<Operator>(['exists', '=', '==', '!=', 'in', 'intersects']);

class PredicateSource {
  readonly checks: Predicate[] = [];
  readonly values: string[] = [];
  readonly sets: ReadonlySet<string>[] = [];
  constructor(private readonly context: CompileContext) {}

  expression(node: Node, expanding: readonly string[]): string {
    switch (node.type) {
      case 'and':
      case 'or':
        return `(${node.children.map((child) => this.expression(child, expanding)).join(node.type === 'and' ? ' && ' : ' || ')})`;
      case 'not':
        return `!${this.expression(node.child, expanding)}`;
      case 'macro': {
        const macro = this.context.macros.get(node.name);
        if (!macro) throw new InputError(`undefined macro ${node.name}`);
        if (expanding.includes(node.name)) throw new InputError(`macro ${node.name} refers to itself (${[...expanding, node.name].join(' → ')})`);
        if (expanding.length >= MAX_NESTING) throw new InputError(`macro ${node.name}: macros used inside macros more than ${MAX_NESTING} deep`);
        return this.expression(macro, [...expanding, node.name]);
      }
      case 'check':
        return this.check(node);
    }
  }

  /** `(v = <the field>, <the test on v>)`, or a call of the check's closure. */
  private check(node: Extract<Node, { type: 'check' }>): string {
    const def = this.context.fields.get(node.field.name);
    const inline = def?.path && def.source === 'audit' && node.field.transformers.length === 0 && node.field.arg === undefined && !node.valueField && INLINE_OPERATORS.has(node.op);
    if (!inline || !def?.path || (!node.listValue && (node.op === 'in' || node.op === 'intersects'))) {
      this.checks.push(compileCheck(node, this.context));
      return `CHECKS[${this.checks.length - 1}](e)`;
    }
    compileField(node.field, this.context.fields); // the same argument checks as any field
    let read = 'v = e.source === "audit" ? e.raw : undefined';
    for (const key of def.path.keys) read += `, v = typeof v === "object" && v !== null && !Array.isArray(v) ? v[${JSON.stringify(key)}] : undefined`;
    read += def.path.list ? ', v = Array.isArray(v) ? STRINGS(v) : undefined' : ', v = v === undefined || typeof v === "string" ? v : TEXT(v)';
    const op = node.op;
    if (op === 'exists') return `(${read}, v !== undefined)`;
    const values = node.listValue ? expandList(node.values, this.context.lists) : node.values;
    if (op === 'in' || op === 'intersects' || node.listValue) {
      if (op !== 'in' && op !== 'intersects' && op !== '=' && op !== '==') {
        this.checks.push(compileCheck(node, this.context));
        return `CHECKS[${this.checks.length - 1}](e)`;
      }
      this.sets.push(new Set(values));
      const set = `SETS[${this.sets.length - 1}]`;
      if (!def.path.list) return `(${read}, v !== undefined && ${set}.has(v))`;
      // list fields: `in` is "every value is in the set", `intersects` (and `=` with a list) "some value is"
      return `(${read}, v !== undefined && ${op === 'in' ? 'EVERY' : 'SOME'}(v, ${set}))`;
    }
    if (def.path.list) {
      this.checks.push(compileCheck(node, this.context));
      return `CHECKS[${this.checks.length - 1}](e)`;
    }
    this.values.push(values[0]);
    return `(${read}, v !== undefined && v ${op === '!=' ? '!==' : '==='} VALUES[${this.values.length - 1}])`;
  }
}

/** Parses and compiles in one go. */
export function condition(text: string, context: CompileContext): Predicate {
  return compileCondition(parseCondition(text), context);
}
