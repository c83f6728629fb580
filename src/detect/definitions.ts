import { InputError } from '../core/errors.js';
import { isRecord } from '../core/object.js';
import { parseYamlDocument } from '../load/yaml-document.js';
import { MAX_NESTING, parseCondition, type MacroLookup, type Node } from './condition.js';
import { jsonText } from './fields.js';

/**
 * What Falco rule files and kubeward rule files share: `list` and `macro` items, their
 * append/override semantics across files loaded in order, and rule `exceptions`. A later item with
 * the same name replaces the earlier one; `append: true` (legacy) or `override: {items|condition:
 * append}` extends it.
 */

export interface RuleFileText {
  /** Shown in errors: a path or a name. */
  name: string;
  text: string;
}

/** The top-level items of a rules file, which must be a YAML sequence (empty items are skipped, as Falco does). */
export function ruleFileItems(file: RuleFileText): Record<string, unknown>[] {
  const parsed = parseYamlDocument(file.text, { file: file.name, schema: 'core' });
  if (parsed === undefined || parsed === null) return [];
  if (!Array.isArray(parsed)) throw new InputError(`${file.name}: a rules file is a YAML list of items (- rule:, - macro:, - list:)`);
  return parsed.filter((item): item is Record<string, unknown> => {
    if (item === null || item === undefined) return false;
    if (!isRecord(item)) throw new InputError(`${file.name}: every item must be a mapping, got ${jsonText(item).slice(0, 80)}`);
    return true;
  });
}

/** How an item changes an earlier one of the same name: replace (default) or append, per key. */
export function mergeModeOf(item: Record<string, unknown>, key: string, where: string): 'replace' | 'append' {
  if (item.append === true) return 'append';
  if (item.override !== undefined) {
    if (!isRecord(item.override)) throw new InputError(`${where}: override must be a mapping of key: append|replace`);
    const mode = item.override[key];
    if (mode === 'append' || mode === 'replace') return mode;
    if (mode !== undefined) throw new InputError(`${where}: override.${key} must be append or replace`);
  }
  return 'replace';
}

/** True when the item only modifies an existing definition (append or override), so one must exist. */
export function isModification(item: Record<string, unknown>): boolean {
  return item.append === true || item.override !== undefined;
}

function stringItems(value: unknown, where: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InputError(`${where}: items must be a list`);
  return value.map(jsonText);
}

export class Definitions {
  private readonly lists = new Map<string, string[]>();
  private readonly macros = new Map<string, string>();
  private parsed = new Map<string, Node>();
  private expandedLists: Map<string, string[]> | undefined;

  addList(item: Record<string, unknown>, file: string): void {
    const name = String(item.list);
    const where = `${file}: list ${name}`;
    const items = stringItems(item.items, where);
    const existing = this.lists.get(name);
    if (isModification(item) && existing === undefined) throw new InputError(`${where}: appends to a list that is not defined`);
    this.lists.set(name, existing !== undefined && mergeModeOf(item, 'items', where) === 'append' ? [...existing, ...items] : items);
    this.expandedLists = undefined;
  }

  addMacro(item: Record<string, unknown>, file: string): void {
    const name = String(item.macro);
    const where = `${file}: macro ${name}`;
    if (typeof item.condition !== 'string') throw new InputError(`${where}: condition must be a string`);
    const existing = this.macros.get(name);
    if (isModification(item) && existing === undefined) throw new InputError(`${where}: appends to a macro that is not defined`);
    this.macros.set(name, existing !== undefined && mergeModeOf(item, 'condition', where) === 'append' ? `${existing} ${item.condition}` : item.condition);
    this.parsed.delete(name);
  }

  /** Lists with references to other lists expanded (items that name a list are replaced by its items). */
  resolvedLists(): ReadonlyMap<string, readonly string[]> {
    if (this.expandedLists) return this.expandedLists;
    const out = new Map<string, string[]>();
    const expand = (name: string, path: string[]): string[] => {
      const done = out.get(name);
      if (done) return done;
      if (path.includes(name)) throw new InputError(`list ${name} refers to itself (${[...path, name].join(' → ')})`);
      if (path.length >= MAX_NESTING) throw new InputError(`list ${name}: lists refer to lists more than ${MAX_NESTING} deep`);
      const items = (this.lists.get(name) ?? []).flatMap((item) => (this.lists.has(item) ? expand(item, [...path, name]) : [item]));
      out.set(name, items);
      return items;
    };
    for (const name of this.lists.keys()) expand(name, []);
    this.expandedLists = out;
    return out;
  }

  /** Macros parsed on first use: a file may define macros for other sources that never parse here. */
  macroLookup(): MacroLookup {
    return {
      get: (name) => {
        const cached = this.parsed.get(name);
        if (cached) return cached;
        const text = this.macros.get(name);
        if (text === undefined) return undefined;
        let node: Node;
        try {
          node = parseCondition(text);
        } catch (error) {
          throw new InputError(`macro ${name}: ${(error as Error).message}`);
        }
        this.parsed.set(name, node);
        return node;
      },
    };
  }
}

// ---- exceptions ---------------------------------------------------------------------------------

export interface ExceptionItem {
  name: string;
  fields: string | string[];
  comps?: string | string[];
  values?: unknown[];
}

export function parseExceptions(value: unknown, where: string): ExceptionItem[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InputError(`${where}: exceptions must be a list`);
  return value.map((item, index) => {
    if (!isRecord(item) || typeof item.name !== 'string') throw new InputError(`${where}: exception ${index + 1} needs a name`);
    const fields = item.fields;
    if (!(typeof fields === 'string' || (Array.isArray(fields) && fields.every((f) => typeof f === 'string')))) {
      throw new InputError(`${where}: exception ${item.name} needs fields (a field or a list of fields)`);
    }
    const comps = item.comps as ExceptionItem['comps'];
    if (item.values !== undefined && item.values !== null && !Array.isArray(item.values)) throw new InputError(`${where}: exception ${item.name}: values must be a list`);
    return { name: item.name, fields, comps, values: (item.values as unknown[] | undefined) ?? [] };
  });
}

/** Exceptions with the same name merge their values (an append adds values to an existing exception). */
export function mergeExceptions(base: ExceptionItem[], added: ExceptionItem[]): ExceptionItem[] {
  const out = base.map((e) => ({ ...e, values: [...(e.values ?? [])] }));
  for (const item of added) {
    const existing = out.find((e) => e.name === item.name);
    if (existing) existing.values = [...(existing.values ?? []), ...(item.values ?? [])];
    else out.push({ ...item, values: [...(item.values ?? [])] });
  }
  return out;
}

const LIST_COMPS = new Set(['in', 'intersects', 'pmatch']);

function fieldRefOf(text: string): { name: string; arg?: string; transformers: [] } {
  const match = /^([^[\]]+)(?:\[(.*)\])?$/.exec(text.trim());
  if (!match) throw new InputError(`bad exception field "${text}"`);
  return { name: match[1], arg: match[2], transformers: [] };
}

function check(field: string, comp: string, value: unknown, lists: ReadonlyMap<string, readonly string[]>): Node {
  const op = (comp === '==' ? '=' : comp) as Extract<Node, { type: 'check' }>['op'];
  if (LIST_COMPS.has(comp)) {
    const items = Array.isArray(value) ? value.map(String) : lists.has(String(value)) ? [String(value)] : [String(value)];
    return { type: 'check', field: fieldRefOf(field), op, values: items, listValue: true };
  }
  return { type: 'check', field: fieldRefOf(field), op, values: [String(value)], listValue: false };
}

/**
 * Falco's compilation of exceptions: `cond and not (exception1 or exception2 …)` where a
 * single-field exception is `field comp (values)` and a multi-field one is
 * `(f1 c1 v1 and f2 c2 v2) or …` for each tuple of values. Exceptions without values add nothing.
 */
export function exceptionNode(exceptions: readonly ExceptionItem[], lists: ReadonlyMap<string, readonly string[]>, where: string): Node | undefined {
  const alternatives: Node[] = [];
  for (const exception of exceptions) {
    const values = exception.values ?? [];
    if (values.length === 0) continue;
    if (typeof exception.fields === 'string') {
      const comp = typeof exception.comps === 'string' ? exception.comps : 'in';
      if (LIST_COMPS.has(comp)) alternatives.push(check(exception.fields, comp, values.flatMap((v) => (Array.isArray(v) ? v : [v])), lists));
      else alternatives.push(...values.map((value) => check(exception.fields as string, comp, value, lists)));
      continue;
    }
    const fields = exception.fields;
    const comps = Array.isArray(exception.comps) ? exception.comps : fields.map(() => (typeof exception.comps === 'string' ? exception.comps : '='));
    if (comps.length !== fields.length) throw new InputError(`${where}: exception ${exception.name} has ${fields.length} fields but ${comps.length} comps`);
    for (const tuple of values) {
      if (!Array.isArray(tuple) || tuple.length !== fields.length) throw new InputError(`${where}: exception ${exception.name}: each value must be a list of ${fields.length} values`);
      const checks = fields.map((field, i) => check(field, comps[i], tuple[i], lists));
      alternatives.push(checks.length === 1 ? checks[0] : { type: 'and', children: checks });
    }
  }
  if (alternatives.length === 0) return undefined;
  return alternatives.length === 1 ? alternatives[0] : { type: 'or', children: alternatives };
}

/** `condition and not (exceptions)`, or the condition alone. */
export function withExceptions(condition: Node, exceptions: readonly ExceptionItem[], lists: ReadonlyMap<string, readonly string[]>, where: string): Node {
  const excepted = exceptionNode(exceptions, lists, where);
  return excepted ? { type: 'and', children: [condition, { type: 'not', child: excepted }] } : condition;
}
