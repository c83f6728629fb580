/**
 * Events waiting for their turn, oldest first: a binary min-heap on (time, arrival), so events of
 * equal time leave in the order they came. Push and pop are O(log n) whatever the order of arrival
 * (an array kept sorted with `splice` and drained with `shift` is O(n) per operation, quadratic over
 * a log).
 */
export class TimeQueue<T extends { time: number }> {
  private readonly items: T[] = [];
  private readonly order: number[] = [];
  private arrivals = 0;

  get size(): number {
    return this.items.length;
  }

  /** The time of the oldest event, or undefined when empty. */
  peekTime(): number | undefined {
    return this.items.length > 0 ? this.items[0].time : undefined;
  }

  push(item: T): void {
    const items = this.items;
    const order = this.order;
    let index = items.length;
    items.push(item);
    order.push(this.arrivals++);
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(index, parent)) break;
      this.swap(index, parent);
      index = parent;
    }
  }

  /** Removes and returns the oldest event. */
  pop(): T | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0];
    const lastItem = items.pop()!;
    const lastOrder = this.order.pop()!;
    if (items.length > 0) {
      items[0] = lastItem;
      this.order[0] = lastOrder;
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        if (left >= items.length) break;
        const right = left + 1;
        const child = right < items.length && this.before(right, left) ? right : left;
        if (!this.before(child, index)) break;
        this.swap(index, child);
        index = child;
      }
    }
    return top;
  }

  private before(a: number, b: number): boolean {
    const ta = this.items[a].time;
    const tb = this.items[b].time;
    return ta < tb || (ta === tb && this.order[a] < this.order[b]);
  }

  private swap(a: number, b: number): void {
    const item = this.items[a];
    this.items[a] = this.items[b];
    this.items[b] = item;
    const order = this.order[a];
    this.order[a] = this.order[b];
    this.order[b] = order;
  }
}
