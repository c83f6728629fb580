import type { Alert } from '../core/alert.js';
import { isRecord } from '../core/object.js';
import { severityRank, type Severity } from '../core/severity.js';
import { OTHER_STAGE, OUTCOME_STAGES, principalOf, STAGE_BITS, type AuditEvent } from './audit.js';
import { LearnedContext, type ClusterFacts } from './context.js';
import { dnsPrincipal } from './dns.js';
import { alertId, evidenceOf, responderFields, type Evidence } from './evidence.js';
import { falcoAlert, falcoMatches, type FalcoRuleSet } from './falco.js';
import { jsonText, type DetectEvent } from './fields.js';
import { flowPrincipal } from './flow-events.js';
import { printable } from './redact.js';
import type { KubewardRule, KubewardRuleSet, SummaryValues } from './rules.js';
import { BoundedMap, CountWindow, DEFAULT_LIMITS, DistinctWindow, RequestMemory, SequenceState, type Limits } from './state.js';

/**
 * The detection engine: events in (audit, DNS, flows, in time order), alerts out. Pure: no clock, no
 * I/O; time is the events' own time, so replaying a log gives the alerts a live run would have.
 *
 * Audit events are deduplicated twice:
 *  - an (auditID, stage) pair seen before (a retried webhook batch, a log read twice) is dropped;
 *  - kubeward rules see each request once: its first ResponseStarted, ResponseComplete or Panic event
 *    (RequestReceived carries no outcome), so an exec (ResponseStarted, then ResponseComplete) is one
 *    request. Falco rules see every stage, as Falco does, and filter on `ka.stage` themselves.
 */

export interface DetectedAlert {
  alert: Alert;
  /** Time of the first event of the evidence: time to detect = alert time − this. */
  firstEventTime: number;
  alertTime: number;
  /** The evidence with what each event says (sequences pass it on, so correlations name both sides). */
  evidence: readonly Evidence[];
}

/** What the event principal of an alert is: the user for audit, the pod for DNS and flows. */
export function principalOfEvent(event: DetectEvent): string {
  return event.source === 'audit' ? principalOf(event) : event.source === 'dns' ? dnsPrincipal(event) : flowPrincipal(event);
}

export interface DetectorStats {
  auditEvents: number;
  dnsQueries: number;
  flows: number;
  duplicates: number;
  /** Later stages of a request kubeward rules had already seen. */
  stagesMerged: number;
  /** Keys dropped from rule state when a cap was reached. */
  evictedKeys: number;
  /** Alerts held back by a rule's throttle (they still feed sequences). */
  throttled: number;
  /** Events skipped because evaluating them exhausted the stack (absurdly nested bodies). */
  unevaluable: number;
}

export interface DetectorOptions {
  rules?: KubewardRuleSet;
  falco?: FalcoRuleSet;
  limits?: Partial<Limits>;
  /** The cluster as `--pods` and `--cluster` show it. */
  facts?: ClusterFacts;
}

const DELIVERED = 32;
/** What most events return: shared, never changed. */
const NO_ALERTS: DetectedAlert[] = Object.freeze([]) as unknown as DetectedAlert[];

interface Dispatch {
  /** Audit rules for an event whose resource no rule names: the rules without a resource guard. */
  audit: readonly KubewardRule[];
  /** Audit rules for an event of a resource some rule names: those without a guard and those naming it. */
  byResource: ReadonlyMap<string, readonly KubewardRule[]>;
  dns: readonly KubewardRule[];
  flow: readonly KubewardRule[];
}

/**
 * Which rules to evaluate for which events, computed once: a rule is skipped only where it cannot
 * match (another source; an audit resource its conditions exclude), so results are the same as
 * evaluating every rule on every event, in the same order.
 */
function dispatchOf(rules: readonly KubewardRule[]): Dispatch {
  const reads = (rule: KubewardRule, source: DetectEvent['source']) =>
    rule.form === 'sequence' ? (rule.steps ?? []).some((step) => step.matches !== undefined && step.source === source) : rule.source === source;
  const audit = rules.filter((rule) => reads(rule, 'audit'));
  const named = new Set(audit.flatMap((rule) => [...(rule.resources ?? [])]));
  const byResource = new Map<string, KubewardRule[]>();
  for (const resource of named) byResource.set(resource, audit.filter((rule) => !rule.resources || rule.resources.has(resource)));
  return { audit: audit.filter((rule) => !rule.resources), byResource, dns: rules.filter((rule) => reads(rule, 'dns')), flow: rules.filter((rule) => reads(rule, 'flow')) };
}

export class Detector {
  readonly stats: DetectorStats = { auditEvents: 0, dnsQueries: 0, flows: 0, duplicates: 0, stagesMerged: 0, evictedKeys: 0, throttled: 0, unevaluable: 0 };
  private readonly limits: Limits;
  /** auditID → bits: the stages seen (STAGE_BITS) and whether kubeward rules saw the request. */
  private readonly requests: RequestMemory;
  /** What the log taught so far and what the cluster looks like. */
  readonly context: LearnedContext;
  private readonly rules: KubewardRule[];
  private readonly state = new Map<string, BoundedMap<CountWindow | DistinctWindow | SequenceState | number>>();
  /** Per rule and key: until when it is quiet, and at which priority it last alerted. */
  private readonly quietUntil = new Map<string, BoundedMap<{ until: number; rank: number }>>();
  /** `metric` rules: rule id → key → matching events. */
  readonly metrics = new Map<string, Map<string, number>>();
  /** Sequence steps that wait for another rule's alerts: rule id → [sequence rule, step index]. */
  private readonly followers = new Map<string, [KubewardRule, number][]>();

  constructor(private readonly options: DetectorOptions = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.requests = new RequestMemory(this.limits.maxRequests);
    this.context = new LearnedContext(options.facts, this.limits.maxRoles);
    this.rules = options.rules?.rules ?? [];
    for (const rule of this.rules) {
      rule.steps?.forEach((step, index) => {
        for (const id of step.rules ?? []) this.followers.set(id, [...(this.followers.get(id) ?? []), [rule, index]]);
      });
    }
    this.dispatch = dispatchOf(this.rules);
  }

  /** The rules an event may match, in rule order: by source, and for audit events by resource. */
  private readonly dispatch: Dispatch;

  private candidates(event: DetectEvent): readonly KubewardRule[] {
    if (event.source !== 'audit') return this.dispatch[event.source];
    const ref = event.raw.objectRef;
    const resource = isRecord(ref) ? ref.resource : undefined;
    if (resource === undefined) return this.dispatch.audit;
    // as the field reads it: a string as it is, anything else as JSON
    return this.dispatch.byResource.get(typeof resource === 'string' ? resource : jsonText(resource)) ?? this.dispatch.audit;
  }

  /**
   * Processes one event; returns the alerts it completes, in rule order. An event whose evaluation
   * exhausts the stack (a hostile, absurdly nested body) is counted and skipped: one event never ends
   * a run.
   */
  process(event: DetectEvent): DetectedAlert[] {
    const out = this.scratch;
    try {
      this.evaluateEvent(event, out);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      this.stats.unevaluable++;
    }
    // most events raise nothing: no array is allocated for them
    return out.length === 0 ? NO_ALERTS : out.splice(0);
  }

  private readonly scratch: DetectedAlert[] = [];

  private evaluateEvent(event: DetectEvent, out: DetectedAlert[]): void {
    if (event.source === 'audit') {
      const stage = STAGE_BITS[event.stage] ?? OTHER_STAGE;
      const outcome = OUTCOME_STAGES.has(event.stage);
      const seen = this.requests.add(event.auditID, stage | (outcome ? DELIVERED : 0));
      if (seen & stage) {
        this.stats.duplicates++;
        return;
      }
      const delivered = (seen & DELIVERED) !== 0;
      this.stats.auditEvents++;
      this.context.learn(event);
      event.context = this.context;
      if (this.options.falco) for (const rule of falcoMatches(this.options.falco, event)) out.push(this.falcoDetected(rule, event));
      if (!outcome) return;
      if (delivered) {
        this.stats.stagesMerged++;
        return;
      }
    } else {
      if (event.source === 'dns') this.stats.dnsQueries++;
      else this.stats.flows++;
      event.context = this.context;
    }
    for (const rule of this.candidates(event)) {
      const fired = this.evaluate(rule, event);
      if (fired === undefined) continue;
      for (const detected of Array.isArray(fired) ? fired : [fired]) {
        if (this.throttled(rule, detected, event)) this.stats.throttled++;
        else out.push(detected);
        out.push(...this.follow(rule, detected, event, 0));
      }
    }
  }

  private falcoDetected(rule: Parameters<typeof falcoAlert>[0], event: AuditEvent): DetectedAlert {
    const evidence = [evidenceOf(event)];
    const draft = falcoAlert(rule, event);
    return { alert: { ...draft, id: alertId(draft.rule, draft.evidence), ...responderFields(evidence, this.context) }, firstEventTime: event.time, alertTime: event.time, evidence };
  }

  private windows(rule: KubewardRule): BoundedMap<CountWindow | DistinctWindow | SequenceState | number> {
    let map = this.state.get(rule.id);
    if (!map) {
      map = new BoundedMap(this.limits.maxKeys);
      this.state.set(rule.id, map);
    }
    return map;
  }

  /** The alert (or, for a sequence, alerts) the event completes for a rule; undefined, mostly. */
  private evaluate(rule: KubewardRule, event: DetectEvent): DetectedAlert | DetectedAlert[] | undefined {
    if (rule.form === 'sequence') {
      let out: DetectedAlert[] | undefined;
      const steps = rule.steps!;
      for (let index = 0; index < steps.length; index++) {
        const step = steps[index];
        if (step.matches && step.source === event.source && step.matches(event)) {
          const fired = this.advance(rule, index, step.key(event), [evidenceOf(event)], event);
          if (fired) (out ??= []).push(fired);
        }
      }
      return out;
    }
    if (!rule.matches?.(event)) return undefined;
    if (rule.form === 'event') return this.alert(rule, event, [evidenceOf(event)], {});
    const key = rule.key?.(event);
    if (key === undefined) return undefined;
    if (rule.form === 'metric') {
      this.count(rule, key);
      return undefined;
    }
    const windows = this.windows(rule);
    if (rule.form === 'new') {
      // first seen: the key did not occur within the window before this event
      const last = windows.get(key) as number | undefined;
      windows.set(key, event.time);
      this.stats.evictedKeys = this.evicted();
      return last === undefined || event.time - last > rule.within! ? this.alert(rule, event, [evidenceOf(event)], { key, within: rule.within }) : undefined;
    }
    if (rule.form === 'count') {
      let window = windows.get(key) as CountWindow | undefined;
      if (!window) windows.set(key, (window = new CountWindow(rule.within!, rule.threshold!)));
      const fired = window.add(evidenceOf(event));
      this.stats.evictedKeys = this.evicted();
      return fired ? this.alert(rule, event, fired, { key, count: fired.length, within: rule.within }) : undefined;
    }
    const value = rule.distinctField?.(event);
    if (value === undefined) return undefined;
    let window = windows.get(key) as DistinctWindow | undefined;
    if (!window) windows.set(key, (window = new DistinctWindow(rule.within!, rule.threshold!)));
    const fired = window.add(Array.isArray(value) ? value.join(',') : String(value), evidenceOf(event));
    this.stats.evictedKeys = this.evicted();
    return fired ? this.alert(rule, event, fired.evidence, { key, distinct: fired.values.length, values: fired.values, within: rule.within }) : undefined;
  }

  /** A `metric` rule counts per key; past the key cap, new keys count under `(other)`. */
  private count(rule: KubewardRule, key: string): void {
    let counts = this.metrics.get(rule.id);
    if (!counts) this.metrics.set(rule.id, (counts = new Map()));
    const slot = counts.has(key) || counts.size < this.limits.maxKeys ? key : '(other)';
    counts.set(slot, (counts.get(slot) ?? 0) + 1);
  }

  private advance(rule: KubewardRule, step: number, key: string | undefined, evidence: readonly Evidence[], event: DetectEvent): DetectedAlert | undefined {
    if (key === undefined) return undefined;
    const windows = this.windows(rule);
    let state = windows.get(key) as SequenceState | undefined;
    if (!state) windows.set(key, (state = new SequenceState(rule.steps!.length, rule.within!, rule.ordered !== false)));
    const fired = state.add(step, evidence);
    return fired ? this.alert(rule, event, fired, { key, count: fired.length, within: rule.within }) : undefined;
  }

  /** Feeds an alert to the sequences that wait for its rule (bounded depth: a sequence of sequences of …). */
  private follow(rule: KubewardRule, detected: DetectedAlert, event: DetectEvent, depth: number): DetectedAlert[] {
    const waiting = this.followers.get(rule.id);
    if (!waiting || depth > 4) return [];
    const out: DetectedAlert[] = [];
    for (const [sequence, index] of waiting) {
      const step = sequence.steps![index];
      if (step.source !== event.source) continue;
      const fired = this.advance(sequence, index, step.key(event), detected.evidence, event);
      if (fired) {
        if (this.throttled(sequence, fired, event)) this.stats.throttled++;
        else out.push(fired);
        out.push(...this.follow(sequence, fired, event, depth + 1));
      }
    }
    return out;
  }

  /**
   * True when the rule alerted for this key within its throttle: the alert is held back. An alert of
   * a higher priority than the last one (an escalation) is never held back.
   */
  private throttled(rule: KubewardRule, detected: DetectedAlert, event: DetectEvent): boolean {
    if (!rule.throttle) return false;
    const key = (rule.form === 'count' || rule.form === 'distinct' || rule.form === 'new' ? rule.key?.(event) : undefined) ?? detected.alert.principal;
    let map = this.quietUntil.get(rule.id);
    if (!map) this.quietUntil.set(rule.id, (map = new BoundedMap(this.limits.maxKeys)));
    const rank = severityRank(detected.alert.priority);
    const quiet = map.get(key);
    if (quiet !== undefined && detected.alertTime < quiet.until && rank >= quiet.rank) return true;
    map.set(key, { until: detected.alertTime + rule.throttle, rank });
    return false;
  }

  private evicted(): number {
    let total = 0;
    for (const map of this.state.values()) total += map.evicted;
    return total;
  }

  private alert(rule: KubewardRule, event: DetectEvent, evidence: readonly Evidence[], values: SummaryValues): DetectedAlert {
    const ids = [...new Set(evidence.map((e) => e.id))];
    let firstEventTime = event.time;
    for (const e of evidence) if (e.time < firstEventTime) firstEventTime = e.time;
    const shown = printable(event);
    let priority: Severity = rule.priority;
    let summary = rule.summary(shown, values);
    for (const escalation of rule.escalations ?? []) {
      if (severityRank(escalation.priority) >= severityRank(priority) || !escalation.matches(event)) continue;
      priority = escalation.priority;
      if (escalation.reason) summary += ` (${priority}: ${escalation.reason(shown, values)})`;
    }
    const alert: Alert = {
      rule: rule.id,
      priority,
      time: event.timeText,
      principal: principalOfEvent(event),
      summary,
      evidence: ids,
      stage: 'expose',
      id: alertId(rule.id, ids),
      ...responderFields(evidence, this.context),
    };
    if (rule.respond) alert.respond = rule.respond(shown, values);
    return { alert, firstEventTime, alertTime: event.time, evidence };
  }
}
