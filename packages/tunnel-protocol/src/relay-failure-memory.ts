/**
 * The failover rule every caller applies when a gateway is reachable through several relays
 * (the control plane's own dials and the access CLI): a relay that failed a dial goes last for
 * RELAY_FAILURE_MEMORY_MS, so one relay that is down costs the first caller one failed dial and
 * later callers go straight to a working one.
 *
 *   order   relays that did not fail recently keep the given order; relays that failed within
 *           the last RELAY_FAILURE_MEMORY_MS follow, the one that failed longest ago first
 *   forget  a relay that works again is forgotten at once; a failure older than the memory is
 *           forgotten when next looked at
 *
 * Keys are whatever names a relay for the caller (its ID, its host:port). The clock is
 * injectable so tests use fake time.
 *
 * @example
 *   const memory = new RelayFailureMemory();
 *   memory.markFailed('127.0.0.1:8443');
 *   memory.order(['127.0.0.1:8443', '127.0.0.2:8443']); // ['127.0.0.2:8443', '127.0.0.1:8443']
 */

/**
 * How long a relay that failed a dial is tried last. Long enough that a relay that is down
 * (restarting, unreachable) is not retried by every caller in between; short enough that a relay
 * that is back takes its share again within a minute.
 */
export const RELAY_FAILURE_MEMORY_MS = 30_000;

export class RelayFailureMemory {
  private readonly failedAt = new Map<string, number>();
  private readonly memoryMs: number;
  private readonly clock: () => number;

  constructor(options: { memoryMs?: number; now?: () => number } = {}) {
    this.memoryMs = options.memoryMs ?? RELAY_FAILURE_MEMORY_MS;
    this.clock = options.now ?? Date.now;
  }

  markFailed(key: string): void {
    this.failedAt.set(key, this.clock());
  }

  markWorked(key: string): void {
    this.failedAt.delete(key);
  }

  /** True while `key` failed less than the memory ago (as of `now`, default the clock). */
  failedRecently(key: string, now: number = this.clock()): boolean {
    const at = this.failedAt.get(key);
    if (at === undefined) return false;
    if (now - at < this.memoryMs) return true;
    if (now >= at) this.failedAt.delete(key);
    return false;
  }

  /** `items` with the recently failed ones moved to the end; `keyOf` names an item's relay. */
  order<T>(
    items: readonly T[],
    keyOf: (item: T) => string = String,
    now: number = this.clock(),
  ): T[] {
    const failed = (item: T): boolean => this.failedRecently(keyOf(item), now);
    const healthy = items.filter((item) => !failed(item));
    const recent = items
      .filter(failed)
      .sort((a, b) => (this.failedAt.get(keyOf(a)) ?? 0) - (this.failedAt.get(keyOf(b)) ?? 0));
    return [...healthy, ...recent];
  }
}
