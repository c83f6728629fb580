import { InputError } from '../core/errors.js';
import type { Evidence } from './evidence.js';

/**
 * The detector's memory, all of it bounded: sliding windows per key, sequences in progress, the
 * request ids already seen, the roles learned from the log. Each structure has a cap; what a cap
 * evicts is counted, so a summary can say memory pressure cost detections.
 */

export interface Limits {
  /** Keys (principals, pods, …) tracked per stateful rule. */
  maxKeys: number;
  /** Requests (auditIDs, with the stages seen) remembered to drop retried or duplicated events. */
  maxRequests: number;
  /** Roles and ClusterRoles remembered from the log. */
  maxRoles: number;
}

export const DEFAULT_LIMITS: Limits = { maxKeys: 50_000, maxRequests: 200_000, maxRoles: 20_000 };

export type { Evidence } from './evidence.js';

/**
 * A map from key to state with a size cap, in two generations: entries live in the current
 * generation; when it holds half the cap it becomes the old one and the previous old one is dropped.
 * Reading an old entry moves it to the current generation, so what is in use survives. Every
 * operation is O(1) (a Map used as an LRU queue is not: deleting from its front leaves tombstones
 * that every later eviction scans).
 */
export class BoundedMap<V> {
  private current = new Map<string, V>();
  private old = new Map<string, V>();
  evicted = 0;
  private readonly half: number;
  constructor(max: number) {
    this.half = Math.max(1, Math.floor(max / 2));
  }

  get(key: string): V | undefined {
    const value = this.current.get(key);
    if (value !== undefined) return value;
    const aged = this.old.get(key);
    if (aged !== undefined) {
      this.old.delete(key);
      this.set(key, aged);
    }
    return aged;
  }

  /** Like get, without keeping the entry alive. */
  peek(key: string): V | undefined {
    return this.current.get(key) ?? this.old.get(key);
  }

  set(key: string, value: V): void {
    this.old.delete(key);
    this.current.set(key, value);
    if (this.current.size >= this.half) {
      this.evicted += this.old.size;
      this.old = this.current;
      this.current = new Map();
    }
  }

  delete(key: string): void {
    this.current.delete(key);
    this.old.delete(key);
  }

  get size(): number {
    return this.current.size + this.old.size;
  }
}

/**
 * Count of matching events per key over a sliding window. Only the last `threshold` entries can
 * matter, so that is all it keeps.
 */
export class CountWindow {
  private entries: Evidence[] = [];
  constructor(
    private readonly within: number,
    private readonly threshold: number,
  ) {}

  /** Adds an event; returns the evidence when the count in the window reaches the threshold. */
  add(evidence: Evidence): Evidence[] | undefined {
    const from = evidence.time - this.within;
    this.entries = this.entries.filter((entry) => entry.time >= from);
    this.entries.push(evidence);
    if (this.entries.length > this.threshold) this.entries.shift();
    if (this.entries.length < this.threshold) return undefined;
    const fired = this.entries;
    this.entries = [];
    return fired;
  }
}

/**
 * Distinct values of a field per key over a sliding window: each value remembers when it was last
 * seen (and the event that first brought it in); values not seen within the window drop out.
 */
export class DistinctWindow {
  private readonly values = new Map<string, { last: number; evidence: Evidence }>();
  constructor(
    private readonly within: number,
    private readonly threshold: number,
  ) {}

  add(value: string, evidence: Evidence): { evidence: Evidence[]; values: string[] } | undefined {
    const from = evidence.time - this.within;
    // A value seen again moves to the end, so the map is ordered by last sighting: expiry stops at
    // the first value still inside the window instead of walking them all.
    for (const [key, entry] of this.values) {
      if (entry.last >= from) break;
      this.values.delete(key);
    }
    const existing = this.values.get(value);
    this.values.delete(value);
    this.values.set(value, { last: Math.max(evidence.time, existing?.last ?? -Infinity), evidence: existing && existing.evidence.time >= from ? existing.evidence : evidence });
    if (this.values.size < this.threshold) return undefined;
    const fired = { evidence: [...this.values.values()].map((entry) => entry.evidence), values: [...this.values.keys()] };
    this.values.clear();
    return fired;
  }
}

/** Evidence a sequence keeps per step: enough to name what was read, bounded. */
const MAX_STEP_EVIDENCE = 100;

/**
 * "A then B (then C) by the same key within T": the evidence of each step's occurrences within the
 * window (so a correlation cites every Secret read, not only the last alert's). With `ordered`, step
 * i counts only after step i-1; without, any order does.
 */
export class SequenceState {
  private readonly steps: (readonly Evidence[] | undefined)[];
  constructor(
    private readonly stepCount: number,
    private readonly within: number,
    private readonly ordered: boolean,
  ) {
    this.steps = new Array(stepCount).fill(undefined);
  }

  add(step: number, evidence: readonly Evidence[]): Evidence[] | undefined {
    const now = Math.max(...evidence.map((e) => e.time));
    const from = now - this.within;
    for (let i = 0; i < this.stepCount; i++) {
      const seen = this.steps[i]?.filter((e) => e.time >= from);
      this.steps[i] = seen && seen.length > 0 ? seen : undefined;
    }
    if (this.ordered && step > 0 && !this.steps[step - 1]) return undefined;
    const kept = [...(this.steps[step] ?? [])];
    for (const item of evidence) if (!kept.some((e) => e.id === item.id)) kept.push(item);
    this.steps[step] = kept.slice(-MAX_STEP_EVIDENCE);
    if (this.ordered && step !== this.stepCount - 1) return undefined;
    if (this.steps.some((s) => s === undefined)) return undefined;
    const fired = this.steps.flatMap((s) => s ?? []);
    this.steps.fill(undefined);
    return fired;
  }
}

/** Parses `30s`, `5m`, `1h`, `500ms`, or a number of seconds, into ms. */
export function parseDuration(value: unknown, where: string): number {
  if (typeof value === 'number' && value > 0) return value * 1000;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(String(value ?? '').trim());
  if (!match) throw new InputError(`${where}: a duration like 30s, 5m or 1h (got ${JSON.stringify(value)})`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
