/**
 * The requests of one connection still waiting for the server's answer, oldest first: a FIFO
 * whose push, peek and shift are O(1) however many requests a client pipelines (an array's
 * shift() is O(n), which made 100 000 pipelined messages cost 10^10 steps).
 *
 * @example
 *   const queue = new RequestQueue<Pending>();
 *   queue.push(item);
 *   const head = queue.peek();
 */
export class RequestQueue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head += 1;
    // Drop the consumed front now and then, so memory follows what is still queued.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes and returns the items before the first one matching `stop` (all when none does). */
  takeUntil(stop: (item: T) => boolean): T[] {
    const taken: T[] = [];
    for (let item = this.peek(); item !== undefined && !stop(item); item = this.peek()) {
      taken.push(this.shift() as T);
    }
    return taken;
  }

  /** Removes and returns every item. */
  drain(): T[] {
    return this.takeUntil(() => false);
  }
}
