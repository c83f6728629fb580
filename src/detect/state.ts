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

  /** Every entry, the older generation first (no entry is kept alive by reading it here). */
  *entries(): IterableIterator<[string, V]> {
    yield* this.old;
    yield* this.current;
  }
}

/**
 * What the detector remembers of every request: its auditID and the stages seen (a few bits), for
 * the last `capacity` requests, oldest forgotten first. A Map of the auditID strings would keep every
 * one of them alive: at a million events that is most of the run's garbage-collection time. This keeps
 * a 64-bit fingerprint of the auditID in typed arrays instead (open addressing, linear probing, nothing
 * for the collector to trace). Two auditIDs share a fingerprint with a chance of about
 * capacity / 2^64 per request (1e-14 at 200,000): a retried event is what it drops.
 */
export class RequestMemory {
  private readonly high: Uint32Array;
  private readonly low: Uint32Array;
  private readonly bits: Uint8Array;
  /** Hash slot → entry index + 1 (0: empty). */
  private readonly slots: Int32Array;
  private readonly mask: number;
  private count = 0;
  /** The entry to reuse next once full: entries form a ring, oldest first. */
  private next = 0;
  evicted = 0;

  constructor(private readonly capacity: number) {
    this.high = new Uint32Array(capacity);
    this.low = new Uint32Array(capacity);
    this.bits = new Uint8Array(capacity);
    let size = 2;
    while (size < capacity * 2) size *= 2;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
  }

  /** The bits remembered for an auditID (0 when unknown). */
  get(id: string): number {
    hash(id);
    const entry = this.find(hashHigh, hashLow);
    return entry < 0 ? 0 : this.bits[entry];
  }

  /** Adds bits to an auditID's (remembering it if new); returns the bits it had before (0 when new). */
  add(id: string, bits: number): number {
    hash(id);
    const high = hashHigh;
    const low = hashLow;
    const found = this.find(high, low);
    if (found >= 0) {
      const before = this.bits[found];
      this.bits[found] = before | bits;
      return before;
    }
    let entry: number;
    if (this.count < this.capacity) entry = this.count++;
    else {
      entry = this.next;
      this.remove(entry);
      this.evicted++;
    }
    this.next = (entry + 1) % this.capacity;
    this.high[entry] = high;
    this.low[entry] = low;
    this.bits[entry] = bits;
    let slot = high & this.mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
    this.slots[slot] = entry + 1;
    return 0;
  }

  get size(): number {
    return this.count;
  }

  private find(high: number, low: number): number {
    for (let slot = high & this.mask; ; slot = (slot + 1) & this.mask) {
      const stored = this.slots[slot];
      if (stored === 0) return -1;
      const entry = stored - 1;
      if (this.high[entry] === high && this.low[entry] === low) return entry;
    }
  }

  /** Takes an entry out of the table, shifting back the entries its slot displaced (no tombstones). */
  private remove(entry: number): void {
    const mask = this.mask;
    let hole = this.high[entry] & mask;
    while (this.slots[hole] !== entry + 1) hole = (hole + 1) & mask;
    this.slots[hole] = 0;
    for (let slot = (hole + 1) & mask; this.slots[slot] !== 0; slot = (slot + 1) & mask) {
      const home = this.high[this.slots[slot] - 1] & mask;
      // move it back when its home is not strictly between the hole and its slot (cyclically)
      const between = hole <= slot ? home > hole && home <= slot : home > hole || home <= slot;
      if (!between) {
        this.slots[hole] = this.slots[slot];
        this.slots[slot] = 0;
        hole = slot;
      }
    }
  }
}

let hashHigh = 0;
let hashLow = 0;

/** Two independent 32-bit FNV-1a hashes of the string's UTF-16 code units (64 bits in all). */
function hash(text: string): void {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  hashHigh = a >>> 0;
  hashLow = (b ^ text.length) >>> 0;
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
