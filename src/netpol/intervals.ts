/**
 * Sets of integers as sorted lists of disjoint closed intervals: ports (numbers) and IP addresses
 * (bigints) share this one implementation. A set is immutable and canonical (intervals sorted, never
 * overlapping or touching), so two equal sets have equal interval lists.
 */

/** The integers a set lives in: ports 1..65535, or the unified IP space (see ip.ts). */
export interface Domain<T extends number | bigint> {
  min: T;
  max: T;
  /** x + 1 and x - 1 (numbers and bigints cannot share `+`). */
  next(value: T): T;
  previous(value: T): T;
}

export const NUMBER_STEP = { next: (value: number) => value + 1, previous: (value: number) => value - 1 };
export const BIGINT_STEP = { next: (value: bigint) => value + 1n, previous: (value: bigint) => value - 1n };

export class IntervalSet<T extends number | bigint> {
  /** Flat `[start0, end0, start1, end1, …]`, inclusive, canonical. */
  readonly bounds: readonly T[];
  readonly domain: Domain<T>;

  private constructor(domain: Domain<T>, bounds: readonly T[]) {
    this.domain = domain;
    this.bounds = bounds;
  }

  static empty<T extends number | bigint>(domain: Domain<T>): IntervalSet<T> {
    return new IntervalSet(domain, []);
  }

  static full<T extends number | bigint>(domain: Domain<T>): IntervalSet<T> {
    return new IntervalSet(domain, [domain.min, domain.max]);
  }

  /** One interval, clipped to the domain; empty when `start > end`. */
  static range<T extends number | bigint>(domain: Domain<T>, start: T, end: T): IntervalSet<T> {
    const low = start < domain.min ? domain.min : start;
    const high = end > domain.max ? domain.max : end;
    return low > high ? IntervalSet.empty(domain) : new IntervalSet(domain, [low, high]);
  }

  /** Any list of intervals, in any order, overlapping or not. */
  static of<T extends number | bigint>(domain: Domain<T>, intervals: Iterable<readonly [T, T]>): IntervalSet<T> {
    const sorted = [...intervals].filter(([start, end]) => start <= end).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const bounds: T[] = [];
    for (const [start, end] of sorted) {
      const low = start < domain.min ? domain.min : start;
      const high = end > domain.max ? domain.max : end;
      if (low <= high) appendSorted(domain, bounds, low, high);
    }
    return new IntervalSet(domain, bounds);
  }

  get isEmpty(): boolean {
    return this.bounds.length === 0;
  }

  get isFull(): boolean {
    return this.bounds.length === 2 && this.bounds[0] === this.domain.min && this.bounds[1] === this.domain.max;
  }

  /** The intervals as `[start, end]` pairs. */
  *intervals(): IterableIterator<[T, T]> {
    for (let index = 0; index < this.bounds.length; index += 2) yield [this.bounds[index], this.bounds[index + 1]];
  }

  contains(value: T): boolean {
    // Binary search over interval starts: sets of IP ranges can hold thousands of intervals.
    let low = 0;
    let high = this.bounds.length / 2 - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const start = this.bounds[2 * middle];
      const end = this.bounds[2 * middle + 1];
      if (value < start) high = middle - 1;
      else if (value > end) low = middle + 1;
      else return true;
    }
    return false;
  }

  /** Is every member of `[start, end]` in the set? */
  containsRange(start: T, end: T): boolean {
    for (let index = 0; index < this.bounds.length; index += 2) {
      if (this.bounds[index] <= start) {
        if (end <= this.bounds[index + 1]) return true;
      } else {
        return false;
      }
    }
    return false;
  }

  equals(other: IntervalSet<T>): boolean {
    if (this === other) return true;
    if (this.bounds.length !== other.bounds.length) return false;
    for (let index = 0; index < this.bounds.length; index++) if (this.bounds[index] !== other.bounds[index]) return false;
    return true;
  }

  /** A merge of the two sorted lists: linear, as intersect is. */
  union(other: IntervalSet<T>): IntervalSet<T> {
    if (other.isEmpty || this.isFull || this === other) return this;
    if (this.isEmpty || other.isFull) return other;
    const { domain } = this;
    const a = this.bounds;
    const b = other.bounds;
    const bounds: T[] = [];
    let left = 0;
    let right = 0;
    while (left < a.length || right < b.length) {
      if (right >= b.length || (left < a.length && a[left] <= b[right])) {
        appendSorted(domain, bounds, a[left], a[left + 1]);
        left += 2;
      } else {
        appendSorted(domain, bounds, b[right], b[right + 1]);
        right += 2;
      }
    }
    return new IntervalSet(domain, bounds);
  }

  intersect(other: IntervalSet<T>): IntervalSet<T> {
    if (this.isEmpty || other.isFull || this === other) return this;
    if (other.isEmpty || this.isFull) return other;
    const bounds: T[] = [];
    let left = 0;
    let right = 0;
    const a = this.bounds;
    const b = other.bounds;
    while (left < a.length && right < b.length) {
      const start = a[left] > b[right] ? a[left] : b[right];
      const end = a[left + 1] < b[right + 1] ? a[left + 1] : b[right + 1];
      if (start <= end) bounds.push(start, end);
      if (a[left + 1] < b[right + 1]) left += 2;
      else right += 2;
    }
    return new IntervalSet(this.domain, bounds);
  }

  complement(): IntervalSet<T> {
    const { domain } = this;
    const bounds: T[] = [];
    let next = domain.min;
    let open = true;
    for (let index = 0; index < this.bounds.length; index += 2) {
      const start = this.bounds[index];
      const end = this.bounds[index + 1];
      if (start > next) bounds.push(next, domain.previous(start));
      if (end >= domain.max) {
        open = false;
        break;
      }
      next = domain.next(end);
    }
    if (open) bounds.push(next, domain.max);
    return new IntervalSet(domain, bounds);
  }

  subtract(other: IntervalSet<T>): IntervalSet<T> {
    if (this.isEmpty || other.isEmpty) return this;
    if (other.isFull || this === other) return IntervalSet.empty(this.domain);
    return this.intersect(other.complement());
  }

  /** `80,8000-8080`: single members as `n`, runs as `a-b`, joined by commas. */
  format(print: (value: T) => string = String): string {
    const parts: string[] = [];
    for (const [start, end] of this.intervals()) parts.push(start === end ? print(start) : `${print(start)}-${print(end)}`);
    return parts.join(',');
  }
}

/** Adds `[low, high]` (no lower start than the last interval's) to canonical bounds, merging what it overlaps or touches. */
function appendSorted<T extends number | bigint>(domain: Domain<T>, bounds: T[], low: T, high: T): void {
  const last = bounds.length - 1;
  if (last > 0 && low <= domain.next(bounds[last])) {
    if (high > bounds[last]) bounds[last] = high;
  } else {
    bounds.push(low, high);
  }
}
