import { RECONNECT_BACKOFF_BASE_MS, RECONNECT_BACKOFF_CAP_MS } from './limits.ts';

/**
 * Exponential backoff with full jitter: attempt n waits a uniformly random time in
 * [0, min(cap, base * 2^n)]. Full jitter spreads a crowd of gateways that lost the same relay
 * over the whole window, so a relay restart is not followed by a reconnect storm in one second.
 *
 * @example
 *   const backoff = new ReconnectBackoff();
 *   await sleep(backoff.next()); // after a failure
 *   backoff.reset();             // after a success
 */
export class ReconnectBackoff {
  private attempt = 0;
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly random: () => number;

  constructor(options: { baseMs?: number; capMs?: number; random?: () => number } = {}) {
    this.baseMs = options.baseMs ?? RECONNECT_BACKOFF_BASE_MS;
    this.capMs = options.capMs ?? RECONNECT_BACKOFF_CAP_MS;
    this.random = options.random ?? Math.random;
  }

  /** The delay before the next attempt, in milliseconds. */
  next(): number {
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt += 1;
    return Math.floor(this.random() * ceiling);
  }

  reset(): void {
    this.attempt = 0;
  }
}
