import type { Alert } from '../core/alert.js';
import { InputError } from '../core/errors.js';
import { principalOf } from './audit.js';
import { parseFalcoPriority, severityOfFalcoPriority, type FalcoPriority } from './alerts.js';
import { compileCondition, compileField, fieldsOf, parseCondition, type Node, type Predicate } from './condition.js';
import { Definitions, mergeExceptions, parseExceptions, ruleFileItems, withExceptions, type ExceptionItem, type RuleFileText } from './definitions.js';
import type { DetectEvent, FieldTable } from './fields.js';
import { compileTemplate, type Template } from './output.js';
import { printable } from './redact.js';

/**
 * Falco rule files for the k8saudit source, loaded in order with Falco's semantics and evaluated
 * with kubeward's condition engine. Rules of other sources (the syscall ruleset) are loaded for
 * their lists and macros and otherwise skipped.
 */

/** The Falco engine version whose rule syntax this implements (Falco 0.35). */
export const FALCO_ENGINE_VERSION = 17;
/** The event sources a k8saudit rule may name. */
const AUDIT_SOURCES = new Set(['k8s_audit', 'k8saudit']);

/**
 * Falco emits, for each event, the first rule that matches in load order (`rule_matching: first`,
 * its default); `all` emits every matching rule.
 */
export type RuleMatching = 'first' | 'all';

interface RuleDraft {
  name: string;
  index: number;
  file: string;
  condition?: string;
  output?: string;
  desc?: string;
  priority?: FalcoPriority;
  source: string;
  enabled: boolean;
  tags: string[];
  exceptions: ExceptionItem[];
  skipIfUnknownFilter: boolean;
}

export interface FalcoRule {
  name: string;
  priority: FalcoPriority;
  tags: string[];
  matches: Predicate;
  output: Template;
  file: string;
}

export interface FalcoRuleSet {
  rules: FalcoRule[];
  /** Rules loaded but not evaluated, with why (another source, disabled, unknown field skipped). */
  skipped: { rule: string; reason: string }[];
  warnings: string[];
  matching: RuleMatching;
}

const RULE_KEYS = new Set(['rule', 'condition', 'output', 'desc', 'priority', 'source', 'enabled', 'tags', 'exceptions', 'append', 'override', 'skip-if-unknown-filter', 'warn_evttypes', 'required_engine_version', 'capture', 'capture_duration']);

function mergeText(existing: string | undefined, added: unknown, mode: 'append' | 'replace'): string | undefined {
  if (added === undefined) return existing;
  const text = String(added);
  return mode === 'append' && existing !== undefined ? `${existing} ${text}` : text;
}

export interface FalcoLoadOptions {
  fields: FieldTable;
  matching?: RuleMatching;
}

/** Loads Falco rule files in the order given (as `falco -r a -r b`). */
export function loadFalcoRules(files: readonly RuleFileText[], options: FalcoLoadOptions): FalcoRuleSet {
  const definitions = new Definitions();
  const drafts = new Map<string, RuleDraft>();
  const warnings: string[] = [];
  for (const file of files) {
    for (const item of ruleFileItems(file)) {
      if ('required_engine_version' in item && !('rule' in item)) {
        const required = Number(String(item.required_engine_version).split('.')[0]);
        if (required > FALCO_ENGINE_VERSION) warnings.push(`${file.name}: requires Falco engine version ${item.required_engine_version}; kubeward implements ${FALCO_ENGINE_VERSION}`);
      } else if ('required_plugin_versions' in item) {
        // kubeward is its own k8saudit and json plugin: nothing to check.
      } else if ('list' in item) {
        definitions.addList(item, file.name);
      } else if ('macro' in item) {
        definitions.addMacro(item, file.name);
      } else if ('rule' in item) {
        addRule(drafts, item, file.name, warnings);
      } else {
        warnings.push(`${file.name}: unknown item ${JSON.stringify(Object.keys(item))} ignored`);
      }
    }
  }
  return compileRules([...drafts.values()], definitions, options, warnings);
}

function addRule(drafts: Map<string, RuleDraft>, item: Record<string, unknown>, file: string, warnings: string[]): void {
  const name = String(item.rule).trim();
  const where = `${file}: rule ${name}`;
  for (const key of Object.keys(item)) if (!RULE_KEYS.has(key)) warnings.push(`${where}: unknown key ${key} ignored`);
  const existing = drafts.get(name);
  const modifies = item.append === true || item.override !== undefined;
  if (modifies || (existing && item.condition === undefined)) {
    // append / override / legacy "enabled only" item: change the existing rule.
    if (!existing) throw new InputError(`${where}: modifies a rule that is not defined`);
    const mode = (key: string): 'append' | 'replace' => {
      if (item.append === true) return 'append';
      const override = item.override as Record<string, unknown> | undefined;
      return override?.[key] === 'append' ? 'append' : 'replace';
    };
    existing.condition = mergeText(existing.condition, item.condition, mode('condition'));
    existing.output = mergeText(existing.output, item.output, mode('output'));
    existing.desc = mergeText(existing.desc, item.desc, mode('desc'));
    if (item.priority !== undefined) existing.priority = parseFalcoPriority(item.priority);
    if (item.enabled !== undefined) existing.enabled = item.enabled !== false;
    if (Array.isArray(item.tags)) existing.tags = mode('tags') === 'append' ? [...existing.tags, ...item.tags.map(String)] : item.tags.map(String);
    if (item.exceptions !== undefined) {
      const added = parseExceptions(item.exceptions, where);
      existing.exceptions = mode('exceptions') === 'append' ? mergeExceptions(existing.exceptions, added) : added;
    }
    return;
  }
  if (typeof item.condition !== 'string') throw new InputError(`${where}: condition must be a string`);
  if (item.output === undefined) throw new InputError(`${where}: output is required`);
  if (item.priority === undefined) throw new InputError(`${where}: priority is required`);
  const draft: RuleDraft = {
    name,
    // a redefined rule keeps its place in the evaluation order, as in Falco
    index: existing?.index ?? drafts.size,
    file,
    condition: item.condition,
    output: String(item.output),
    desc: item.desc === undefined ? undefined : String(item.desc),
    priority: parseFalcoPriority(item.priority),
    source: item.source === undefined ? 'syscall' : String(item.source),
    enabled: item.enabled !== false,
    tags: Array.isArray(item.tags) ? item.tags.map(String) : [],
    exceptions: parseExceptions(item.exceptions, where),
    skipIfUnknownFilter: item['skip-if-unknown-filter'] === true,
  };
  drafts.set(name, draft);
}

function compileRules(drafts: RuleDraft[], definitions: Definitions, options: FalcoLoadOptions, warnings: string[]): FalcoRuleSet {
  const lists = definitions.resolvedLists();
  const macros = definitions.macroLookup();
  const rules: (FalcoRule & { index: number })[] = [];
  const skipped: FalcoRuleSet['skipped'] = [];
  for (const draft of drafts) {
    if (!AUDIT_SOURCES.has(draft.source)) {
      skipped.push({ rule: draft.name, reason: `source ${draft.source}` });
      continue;
    }
    if (!draft.enabled) {
      skipped.push({ rule: draft.name, reason: 'disabled' });
      continue;
    }
    const where = `${draft.file}: rule ${draft.name}`;
    try {
      const parsed: Node = withExceptions(parseCondition(draft.condition ?? ''), draft.exceptions, lists, where);
      for (const ref of fieldsOf(parsed, macros)) compileField(ref, options.fields);
      const matches = compileCondition(parsed, { fields: options.fields, macros, lists, warn: (message) => warnings.push(`${where}: ${message}`) });
      const output = compileTemplate((draft.output ?? '').trim(), options.fields);
      rules.push({ name: draft.name, priority: draft.priority ?? 'Debug', tags: draft.tags, matches, output, file: draft.file, index: draft.index });
    } catch (error) {
      const message = (error as Error).message;
      if (draft.skipIfUnknownFilter && /unknown field/.test(message)) {
        skipped.push({ rule: draft.name, reason: message });
        continue;
      }
      throw new InputError(`${where}: ${message}`);
    }
  }
  rules.sort((a, b) => a.index - b.index);
  return { rules, skipped, warnings, matching: options.matching ?? 'first' };
}

/** The rules that fire on one event, as Falco would emit them. */
export function falcoMatches(set: FalcoRuleSet, event: DetectEvent): FalcoRule[] {
  if (event.source !== 'audit') return [];
  const out: FalcoRule[] = [];
  for (const rule of set.rules) {
    if (rule.matches(event)) {
      out.push(rule);
      if (set.matching === 'first') break;
    }
  }
  return out;
}

/** A Falco match as a kubeward alert: the Falco name and priority, output formatted on the redacted event. */
/** The alert of a Falco rule on an event (the detector adds its id and the responder's fields). */
export function falcoAlert(rule: FalcoRule, event: DetectEvent): Omit<Alert, 'id'> {
  return {
    rule: rule.name,
    priority: severityOfFalcoPriority(rule.priority),
    time: event.timeText,
    principal: event.source === 'audit' ? principalOf(event) : '<unknown>',
    summary: rule.output(printable(event)),
    evidence: [event.id],
    stage: 'expose',
    falcoPriority: rule.priority,
  };
}

