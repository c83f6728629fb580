import { InputError } from '../core/errors.js';
import { isRecord } from '../core/object.js';
import type { Severity } from '../core/severity.js';
import { parseSeverity } from './alerts.js';
import { compileCondition, compileField, fieldsOf, parseCondition, requiredValues, type Getter, type Predicate } from './condition.js';
import { Definitions, mergeExceptions, parseExceptions, ruleFileItems, withExceptions, type ExceptionItem, type RuleFileText } from './definitions.js';
import { FIELD_TABLES, type DetectEvent, type EventSource } from './fields.js';
import { compileKey, compileTemplate } from './output.js';
import { formatDuration, parseDuration } from './state.js';

/**
 * kubeward's detection rules: Falco-style YAML (`rule`, `desc`, `condition`, `priority`, macros,
 * lists, exceptions) plus the stateful forms Falco lacks:
 *
 *   count:    {by, within, threshold}         ≥ threshold matching events per key in a sliding window
 *   distinct: {field, by, within, threshold}  ≥ threshold distinct values of a field per key
 *   sequence: {within, ordered, steps: [{condition | rule, source, by}, …]}
 *             each step (an event condition, or an alert of other rules) by the same key within T
 *   throttle: 10m   after an alert, no other alert of the rule for the same key (or principal) for 10m
 *
 * `by` is a key template (`%ka.user.name`, `system:serviceaccount:%ka.target.namespace:%ka.target.name`);
 * an event whose key has an unavailable field is not grouped. `summary` is an output template that may
 * also say `%{key}`, `%{count}`, `%{distinct}`, `%{values}` and `%{within}`.
 */

export type RuleForm = 'event' | 'count' | 'distinct' | 'sequence' | 'new' | 'metric';

export interface SequenceStep {
  source: EventSource;
  /** Either the step's own condition … */
  matches?: Predicate;
  /** … or "an alert of one of these rules". */
  rules?: string[];
  key: (event: DetectEvent) => string | undefined;
}

export interface SummaryValues {
  key?: string;
  count?: number;
  distinct?: number;
  values?: string[];
  within?: number;
}

export interface KubewardRule {
  id: string;
  desc: string;
  priority: Severity;
  tags: string[];
  form: RuleForm;
  /** The source of the events the rule reads (for sequences, of the last step). */
  source: EventSource;
  matches?: Predicate;
  key?: (event: DetectEvent) => string | undefined;
  distinctField?: Getter;
  within?: number;
  threshold?: number;
  ordered?: boolean;
  steps?: SequenceStep[];
  /** After an alert, the same rule stays quiet for the same key (or principal) this long. */
  throttle?: number;
  /** Raise the priority when a condition also holds on the event that completes the match. */
  escalations?: Escalation[];
  summary(event: DetectEvent, values: SummaryValues): string;
  /** What a responder does now, filled in from the event that completes the match. */
  respond?(event: DetectEvent, values: SummaryValues): string;
  /**
   * The `ka.target.resource` values an audit event must have to match the rule (or one of its
   * condition steps), when the conditions say so: the detector skips the rule for other events.
   */
  resources?: ReadonlySet<string>;
  file: string;
}

export interface Escalation {
  matches: Predicate;
  priority: Severity;
  /** Appended to the summary when it applies. */
  reason?(event: DetectEvent, values: SummaryValues): string;
}

export interface KubewardRuleSet {
  rules: KubewardRule[];
  warnings: string[];
}

interface Draft {
  id: string;
  file: string;
  index: number;
  item: Record<string, unknown>;
  condition?: string;
  exceptions: ExceptionItem[];
  enabled: boolean;
}

const RULE_ID = /^[a-z0-9][a-z0-9-]*$/;
const STATEFUL_FORMS = ['count', 'distinct', 'sequence', 'new', 'metric'] as const;
const RULE_KEYS = new Set(['rule', 'desc', 'source', 'priority', 'condition', 'exceptions', 'summary', 'respond', 'escalate', 'tags', 'enabled', ...STATEFUL_FORMS, 'throttle', 'append', 'override']);
const REPLACEABLE = ['desc', 'source', 'priority', 'summary', 'respond', 'escalate', 'tags', ...STATEFUL_FORMS, 'throttle'];

function sourceOf(value: unknown, where: string): EventSource {
  const source = value === undefined ? 'audit' : String(value);
  if (!(source in FIELD_TABLES)) throw new InputError(`${where}: source must be one of ${Object.keys(FIELD_TABLES).join(', ')}`);
  return source as EventSource;
}

function positiveInteger(value: unknown, where: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InputError(`${where}: threshold must be a whole number ≥ 1`);
  return number;
}

/** Loads kubeward rule files in order; later files may append to or override earlier rules, macros and lists. */
export function loadKubewardRules(files: readonly RuleFileText[]): KubewardRuleSet {
  const definitions = new Definitions();
  const drafts = new Map<string, Draft>();
  const warnings: string[] = [];
  for (const file of files) {
    for (const item of ruleFileItems(file)) {
      if ('list' in item) definitions.addList(item, file.name);
      else if ('macro' in item) definitions.addMacro(item, file.name);
      else if ('rule' in item) addDraft(drafts, item, file.name, warnings);
      else warnings.push(`${file.name}: unknown item ${JSON.stringify(Object.keys(item))} ignored`);
    }
  }
  const lists = definitions.resolvedLists();
  const macros = definitions.macroLookup();
  const enabled = [...drafts.values()].filter((draft) => draft.enabled).sort((a, b) => a.index - b.index);
  const ids = new Set(enabled.map((draft) => draft.id));
  const sources = new Map(enabled.map((draft) => [draft.id, draft.item.sequence ? undefined : sourceOf(draft.item.source, draft.id)]));

  const resourcesOf = (text: string): ReadonlySet<string> | undefined => requiredValues(parseCondition(text), RESOURCE_FIELD, macros, lists);
  const compilePredicate = (text: string, exceptions: readonly ExceptionItem[], source: EventSource, where: string): Predicate => {
    const node = withExceptions(parseCondition(text), exceptions, lists, where);
    const fields = FIELD_TABLES[source];
    for (const ref of fieldsOf(node, macros)) compileField(ref, fields);
    return compileCondition(node, { fields, macros, lists, warn: (message) => warnings.push(`${where}: ${message}`) });
  };

  const rules = enabled.map((draft): KubewardRule => {
    const where = `${draft.file}: rule ${draft.id}`;
    try {
      return compileRule(draft, where, { compilePredicate, resourcesOf, ids, sources });
    } catch (error) {
      throw new InputError(error instanceof InputError && error.message.startsWith(where) ? error.message : `${where}: ${(error as Error).message}`);
    }
  });
  return { rules, warnings };
}

function addDraft(drafts: Map<string, Draft>, item: Record<string, unknown>, file: string, warnings: string[]): void {
  const id = String(item.rule);
  const where = `${file}: rule ${id}`;
  if (!RULE_ID.test(id)) throw new InputError(`${where}: rule ids are lower-case words joined by hyphens`);
  for (const key of Object.keys(item)) if (!RULE_KEYS.has(key)) warnings.push(`${where}: unknown key ${key} ignored`);
  const existing = drafts.get(id);
  if (item.append === true || item.override !== undefined) {
    if (!existing) throw new InputError(`${where}: modifies a rule that is not defined`);
    const override = isRecord(item.override) ? item.override : {};
    const mode = (key: string) => (item.append === true || override[key] === 'append' ? 'append' : 'replace');
    if (typeof item.condition === 'string') existing.condition = mode('condition') === 'append' && existing.condition ? `${existing.condition} ${item.condition}` : item.condition;
    if (item.exceptions !== undefined) {
      const added = parseExceptions(item.exceptions, where);
      existing.exceptions = mode('exceptions') === 'append' ? mergeExceptions(existing.exceptions, added) : added;
    }
    if (item.enabled !== undefined) existing.enabled = item.enabled !== false;
    for (const key of REPLACEABLE) if (item[key] !== undefined) existing.item = { ...existing.item, [key]: item[key] };
    return;
  }
  drafts.set(id, {
    id,
    file,
    index: existing?.index ?? drafts.size,
    item,
    condition: typeof item.condition === 'string' ? item.condition : undefined,
    exceptions: parseExceptions(item.exceptions, where),
    enabled: item.enabled !== false,
  });
}

const RESOURCE_FIELD = 'ka.target.resource';

interface CompileHelpers {
  compilePredicate(text: string, exceptions: readonly ExceptionItem[], source: EventSource, where: string): Predicate;
  resourcesOf(condition: string): ReadonlySet<string> | undefined;
  ids: ReadonlySet<string>;
  sources: ReadonlyMap<string, EventSource | undefined>;
}

function compileSummary(text: string, source: EventSource): KubewardRule['summary'] {
  // `%{count}` and friends are this rule's numbers; everything else is an output template.
  const parts = text.split(/(%\{\w+\})/);
  const compiled = parts.map((part) => {
    const placeholder = /^%\{(\w+)\}$/.exec(part);
    if (placeholder) {
      const name = placeholder[1];
      if (!['key', 'count', 'distinct', 'values', 'within'].includes(name)) throw new InputError(`unknown summary placeholder %{${name}}`);
      return (_event: DetectEvent, values: SummaryValues) => {
        if (name === 'within') return values.within === undefined ? '' : formatDuration(values.within);
        if (name === 'values') return (values.values ?? []).slice(0, 10).join(', ') + ((values.values?.length ?? 0) > 10 ? ', …' : '');
        return String(values[name as 'key' | 'count' | 'distinct'] ?? '');
      };
    }
    const template = compileTemplate(part, FIELD_TABLES[source]);
    return (event: DetectEvent) => template(event);
  });
  return (event, values) => compiled.map((part) => part(event, values)).join('');
}

/** `escalate: [{condition, priority, reason}]`: each only raises the rule's priority. */
function compileEscalations(value: unknown, source: EventSource, where: string, helpers: CompileHelpers): Escalation[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw new InputError(`${where}: escalate must be a list of {condition, priority, reason}`);
  return value.map((entry, index) => {
    const at = `${where}: escalate ${index + 1}`;
    if (!isRecord(entry) || typeof entry.condition !== 'string') throw new InputError(`${at}: needs a condition`);
    return {
      matches: helpers.compilePredicate(entry.condition, [], source, at),
      priority: parseSeverity(entry.priority, at),
      reason: entry.reason === undefined ? undefined : compileSummary(String(entry.reason), source),
    };
  });
}

function compileRule(draft: Draft, where: string, helpers: CompileHelpers): KubewardRule {
  const item = draft.item;
  const desc = String(item.desc ?? '').trim();
  if (!desc) throw new InputError(`${where}: desc is required`);
  const priority = parseSeverity(item.priority, where);
  const tags = Array.isArray(item.tags) ? item.tags.map(String) : [];
  const forms = STATEFUL_FORMS.filter((key) => item[key] !== undefined);
  if (forms.length > 1) throw new InputError(`${where}: use one of ${STATEFUL_FORMS.join(', ')}`);
  const form = (forms[0] ?? 'event') as RuleForm;
  if (item.escalate !== undefined && form === 'sequence') throw new InputError(`${where}: escalate applies to rules with a condition, not to sequences`);

  if (form === 'sequence') {
    const sequence = item.sequence;
    if (!isRecord(sequence) || !Array.isArray(sequence.steps) || sequence.steps.length < 2) throw new InputError(`${where}: sequence needs at least two steps`);
    if (draft.condition !== undefined) throw new InputError(`${where}: a sequence has conditions in its steps, not at the top`);
    const steps = sequence.steps.map((step, index): SequenceStep => {
      const at = `${where}: step ${index + 1}`;
      if (!isRecord(step) || typeof step.by !== 'string') throw new InputError(`${at}: needs by (a key template)`);
      if ((step.condition === undefined) === (step.rule === undefined)) throw new InputError(`${at}: needs a condition or a rule, not both`);
      if (step.rule !== undefined) {
        const ruleIds = (Array.isArray(step.rule) ? step.rule : [step.rule]).map(String);
        const stepSources = new Set<EventSource>();
        for (const ruleId of ruleIds) {
          if (!helpers.ids.has(ruleId)) throw new InputError(`${at}: rule ${ruleId} is not defined (or disabled)`);
          const source = helpers.sources.get(ruleId);
          if (!source) throw new InputError(`${at}: rule ${ruleId} is a sequence; steps name event rules`);
          stepSources.add(source);
        }
        if (stepSources.size !== 1) throw new InputError(`${at}: the rules of one step must read the same source`);
        const [source] = stepSources;
        return { source, rules: ruleIds, key: compileKey(step.by, FIELD_TABLES[source]) };
      }
      const source = sourceOf(step.source, at);
      return { source, matches: helpers.compilePredicate(String(step.condition), [], source, at), key: compileKey(step.by, FIELD_TABLES[source]) };
    });
    const last = steps[steps.length - 1].source;
    // evaluated on an event only through its condition steps: the union of what they need
    let resources: Set<string> | undefined = new Set();
    for (const step of sequence.steps as Record<string, unknown>[]) {
      if (step.condition === undefined || sourceOf(step.source, where) !== 'audit') continue;
      const needed = helpers.resourcesOf(String(step.condition));
      if (!needed || !resources) resources = undefined;
      else for (const value of needed) resources.add(value);
    }
    return {
      resources,
      id: draft.id,
      desc,
      priority,
      tags,
      form,
      source: last,
      steps,
      within: parseDuration(sequence.within, `${where}: sequence.within`),
      ordered: sequence.ordered !== false,
      throttle: item.throttle === undefined ? undefined : parseDuration(item.throttle, `${where}: throttle`),
      summary: compileSummary(String(item.summary ?? desc), last),
      respond: item.respond === undefined ? undefined : compileSummary(String(item.respond), last),
      file: draft.file,
    };
  }

  const source = sourceOf(item.source, where);
  if (draft.condition === undefined) throw new InputError(`${where}: condition is required`);
  const matches = helpers.compilePredicate(draft.condition, draft.exceptions, source, where);
  const rule: KubewardRule = {
    resources: source === 'audit' ? helpers.resourcesOf(draft.condition) : undefined,
    id: draft.id,
    desc,
    priority,
    tags,
    form,
    source,
    matches,
    throttle: item.throttle === undefined ? undefined : parseDuration(item.throttle, `${where}: throttle`),
    escalations: compileEscalations(item.escalate, source, where, helpers),
    summary: compileSummary(String(item.summary ?? desc), source),
    respond: item.respond === undefined ? undefined : compileSummary(String(item.respond), source),
    file: draft.file,
  };
  if (form === 'event') return rule;
  const spec = item[form];
  if (!isRecord(spec)) throw new InputError(`${where}: ${form} must be a mapping`);
  if (typeof spec.by !== 'string') throw new InputError(`${where}: ${form}.by must be a key template such as "%ka.user.name"`);
  rule.key = compileKey(spec.by, FIELD_TABLES[source]);
  if (form === 'metric') return rule;
  rule.within = parseDuration(spec.within, `${where}: ${form}.within`);
  if (form === 'new') return rule;
  rule.threshold = positiveInteger(spec.threshold, `${where}: ${form}`);
  if (form === 'distinct') {
    if (typeof spec.field !== 'string') throw new InputError(`${where}: distinct.field names the field whose distinct values are counted`);
    const match = /^([^[\]]+)(?:\[(.*)\])?$/.exec(spec.field);
    const field = compileField({ name: match?.[1] ?? spec.field, arg: match?.[2], transformers: [] }, FIELD_TABLES[source]);
    rule.distinctField = field.get;
  }
  return rule;
}
