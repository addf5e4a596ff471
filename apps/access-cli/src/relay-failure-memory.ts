/**
 * Which relays failed recently, and the order to try relays in because of it: relays that failed
 * within the last {@link RELAY_FAILURE_MEMORY_MS} go last (the one that failed longest ago first
 * among them), the others keep the control plane's order. A relay that works again is forgotten
 * at once. The same rule as the control plane's own dials (gateway-tunnel.ts).
 *
 * @example
 *   const memory = new RelayFailureMemory();
 *   memory.markFailed('127.0.0.1:8443');
 *   memory.order(['127.0.0.1:8443', '127.0.0.2:8443']); // ['127.0.0.2:8443', '127.0.0.1:8443']
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

  /** True while `key` failed less than the memory ago. */
  failedRecently(key: string): boolean {
    const at = this.failedAt.get(key);
    if (at === undefined) return false;
    if (this.clock() - at < this.memoryMs) return true;
    this.failedAt.delete(key);
    return false;
  }

  /** `items` with the recently failed ones moved to the end; `keyOf` names an item's relay. */
  order<T>(items: readonly T[], keyOf: (item: T) => string = String): T[] {
    const healthy = items.filter((item) => !this.failedRecently(keyOf(item)));
    const failed = items
      .filter((item) => this.failedRecently(keyOf(item)))
      .sort((a, b) => (this.failedAt.get(keyOf(a)) ?? 0) - (this.failedAt.get(keyOf(b)) ?? 0));
    return [...healthy, ...failed];
  }
}
