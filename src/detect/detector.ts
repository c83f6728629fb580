import type { Alert } from '../core/alert.js';
import { OTHER_STAGE, OUTCOME_STAGES, principalOf, STAGE_BITS, type AuditEvent } from './audit.js';
import { dnsPrincipal } from './dns.js';
import { falcoAlert, falcoMatches, type FalcoRuleSet } from './falco.js';
import type { DetectEvent } from './fields.js';
import { printable } from './redact.js';
import { RoleIndex } from './roles.js';
import type { KubewardRule, KubewardRuleSet, SummaryValues } from './rules.js';
import { BoundedMap, CountWindow, DEFAULT_LIMITS, DistinctWindow, SequenceState, type Evidence, type Limits } from './state.js';

/**
 * The detection engine: events in (audit and DNS, in time order), alerts out. Pure: no clock, no
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
}

export interface DetectorStats {
  auditEvents: number;
  dnsQueries: number;
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
}

const DELIVERED = 32;

export class Detector {
  readonly stats: DetectorStats = { auditEvents: 0, dnsQueries: 0, duplicates: 0, stagesMerged: 0, evictedKeys: 0, throttled: 0, unevaluable: 0 };
  private readonly limits: Limits;
  /** auditID → bits: the stages seen (STAGE_BITS) and whether kubeward rules saw the request. */
  private readonly requests: BoundedMap<number>;
  private readonly roles: RoleIndex;
  private readonly rules: KubewardRule[];
  private readonly state = new Map<string, BoundedMap<CountWindow | DistinctWindow | SequenceState>>();
  private readonly quietUntil = new Map<string, BoundedMap<number>>();
  /** Sequence steps that wait for another rule's alerts: rule id → [sequence rule, step index]. */
  private readonly followers = new Map<string, [KubewardRule, number][]>();

  constructor(private readonly options: DetectorOptions = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.requests = new BoundedMap(this.limits.maxRequests);
    this.roles = new RoleIndex(this.limits.maxRoles);
    this.rules = options.rules?.rules ?? [];
    for (const rule of this.rules) {
      rule.steps?.forEach((step, index) => {
        for (const id of step.rules ?? []) this.followers.set(id, [...(this.followers.get(id) ?? []), [rule, index]]);
      });
    }
  }

  /**
   * Processes one event; returns the alerts it completes, in rule order. An event whose evaluation
   * exhausts the stack (a hostile, absurdly nested body) is counted and skipped: one event never ends
   * a run.
   */
  process(event: DetectEvent): DetectedAlert[] {
    const out: DetectedAlert[] = [];
    try {
      this.evaluateEvent(event, out);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      this.stats.unevaluable++;
    }
    return out;
  }

  private evaluateEvent(event: DetectEvent, out: DetectedAlert[]): void {
    if (event.source === 'audit') {
      const seen = this.requests.peek(event.auditID) ?? 0;
      const stage = STAGE_BITS[event.stage] ?? OTHER_STAGE;
      if (seen & stage) {
        this.stats.duplicates++;
        return;
      }
      const delivered = (seen & DELIVERED) !== 0;
      const outcome = OUTCOME_STAGES.has(event.stage);
      this.requests.set(event.auditID, seen | stage | (outcome ? DELIVERED : 0));
      this.stats.auditEvents++;
      this.roles.learn(event);
      event.context = this.roles;
      if (this.options.falco) for (const rule of falcoMatches(this.options.falco, event)) out.push(this.falcoDetected(rule, event));
      if (!outcome) return;
      if (delivered) {
        this.stats.stagesMerged++;
        return;
      }
    } else {
      this.stats.dnsQueries++;
    }
    for (const rule of this.rules) {
      if (rule.source !== event.source && rule.form !== 'sequence') continue;
      for (const detected of this.evaluate(rule, event)) {
        if (this.throttled(rule, detected, event)) this.stats.throttled++;
        else out.push(detected);
        out.push(...this.follow(rule, detected, event, 0));
      }
    }
  }

  private falcoDetected(rule: Parameters<typeof falcoAlert>[0], event: AuditEvent): DetectedAlert {
    return { alert: falcoAlert(rule, event), firstEventTime: event.time, alertTime: event.time };
  }

  private windows(rule: KubewardRule): BoundedMap<CountWindow | DistinctWindow | SequenceState> {
    let map = this.state.get(rule.id);
    if (!map) {
      map = new BoundedMap(this.limits.maxKeys);
      this.state.set(rule.id, map);
    }
    return map;
  }

  private evaluate(rule: KubewardRule, event: DetectEvent): DetectedAlert[] {
    if (rule.form === 'sequence') {
      const out: DetectedAlert[] = [];
      rule.steps?.forEach((step, index) => {
        if (step.matches && step.source === event.source && step.matches(event)) {
          const fired = this.advance(rule, index, step.key(event), [{ id: event.id, time: event.time }], event);
          if (fired) out.push(fired);
        }
      });
      return out;
    }
    if (!rule.matches?.(event)) return [];
    const evidence: Evidence = { id: event.id, time: event.time };
    if (rule.form === 'event') return [this.alert(rule, event, [evidence], {})];
    const key = rule.key?.(event);
    if (key === undefined) return [];
    const windows = this.windows(rule);
    if (rule.form === 'count') {
      let window = windows.get(key) as CountWindow | undefined;
      if (!window) windows.set(key, (window = new CountWindow(rule.within!, rule.threshold!)));
      const fired = window.add(evidence);
      this.stats.evictedKeys = this.evicted();
      return fired ? [this.alert(rule, event, fired, { key, count: fired.length, within: rule.within })] : [];
    }
    const value = rule.distinctField?.(event);
    if (value === undefined) return [];
    let window = windows.get(key) as DistinctWindow | undefined;
    if (!window) windows.set(key, (window = new DistinctWindow(rule.within!, rule.threshold!)));
    const fired = window.add(Array.isArray(value) ? value.join(',') : String(value), evidence);
    this.stats.evictedKeys = this.evicted();
    return fired ? [this.alert(rule, event, fired.evidence, { key, distinct: fired.values.length, values: fired.values, within: rule.within })] : [];
  }

  private advance(rule: KubewardRule, step: number, key: string | undefined, evidence: Evidence[], event: DetectEvent): DetectedAlert | undefined {
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
    const evidence = detected.alert.evidence.map((id, i) => ({ id, time: i === 0 ? detected.firstEventTime : detected.alertTime }));
    for (const [sequence, index] of waiting) {
      const step = sequence.steps![index];
      if (step.source !== event.source) continue;
      const fired = this.advance(sequence, index, step.key(event), evidence, event);
      if (fired) {
        if (this.throttled(sequence, fired, event)) this.stats.throttled++;
        else out.push(fired);
        out.push(...this.follow(sequence, fired, event, depth + 1));
      }
    }
    return out;
  }

  /** True when the rule alerted for this key within its throttle: the alert is held back. */
  private throttled(rule: KubewardRule, detected: DetectedAlert, event: DetectEvent): boolean {
    if (!rule.throttle) return false;
    const key = (rule.form === 'count' || rule.form === 'distinct' ? rule.key?.(event) : undefined) ?? detected.alert.principal;
    let map = this.quietUntil.get(rule.id);
    if (!map) this.quietUntil.set(rule.id, (map = new BoundedMap(this.limits.maxKeys)));
    const until = map.get(key);
    if (until !== undefined && detected.alertTime < until) return true;
    map.set(key, detected.alertTime + rule.throttle);
    return false;
  }

  private evicted(): number {
    let total = 0;
    for (const map of this.state.values()) total += map.evicted;
    return total;
  }

  private alert(rule: KubewardRule, event: DetectEvent, evidence: Evidence[], values: SummaryValues): DetectedAlert {
    const ids = [...new Set(evidence.map((e) => e.id))];
    const firstEventTime = Math.min(...evidence.map((e) => e.time));
    return {
      alert: {
        rule: rule.id,
        priority: rule.priority,
        time: event.timeText,
        principal: event.source === 'audit' ? principalOf(event) : dnsPrincipal(event),
        summary: rule.summary(printable(event), values),
        evidence: ids,
        stage: 'expose',
      },
      firstEventTime,
      alertTime: event.time,
    };
  }
}
