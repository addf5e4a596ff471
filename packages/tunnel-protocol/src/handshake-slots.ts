import { systemClock, type Clock, type ClockTimer } from './clock.ts';

/**
 * At most `limit` handshakes at once; the others wait their turn, in order, each until its own
 * deadline. Used by the caller's dialer (every dial in the process) and by the relay's :8443
 * (every accepted connection before its TLS handshake starts).
 *
 * Why: a TLS handshake is a burst of CPU on each end. Started all at once on a starved machine,
 * a hundred handshakes share the CPU evenly and all finish late together — every one past its
 * deadline, none useful (the collapse the fault test saw). Taken a few at a time, each finishes
 * within its stage budget and the rest wait for a slot; a handshake that cannot get one before
 * its deadline fails without having cost anyone CPU.
 *
 *   order    first come, first served, except that a waiter whose `key` already holds
 *            `maxPerKey` slots is passed over (one source cannot take every slot)
 *   deadline a waiter still waiting at `deadlineAt` is dropped with {@link HandshakeSlotTimeout}
 *   abort    a waiter whose `signal` aborts is dropped with the signal's reason
 *   release  idempotent; the slot goes to the next eligible waiter at once
 *
 * @example
 *   const release = await slots.acquire({ deadlineAt: Date.now() + 5_000 });
 *   try { await handshake(); } finally { release(); }
 */
export interface HandshakeSlotsOptions {
  /** Handshakes under way at once. */
  limit: number;
  /** Slots one key may hold at once (default: `limit`). */
  maxPerKey?: number;
  clock?: Clock;
}

export interface AcquireOptions {
  /** Epoch ms after which the waiter gives up (default: waits as long as it takes). */
  deadlineAt?: number;
  /** Whose handshake this is, for `maxPerKey` (e.g. the source address). */
  key?: string;
  signal?: AbortSignal;
}

/** A waiter did not get a slot before its deadline. */
export class HandshakeSlotTimeout extends Error {
  constructor(waitedMs: number, limit: number) {
    super(`no handshake slot free within ${waitedMs} ms (${limit} handshakes under way)`);
    this.name = 'HandshakeSlotTimeout';
  }
}

interface Waiter {
  key: string | undefined;
  grant: (release: () => void) => void;
}

export class HandshakeSlots {
  readonly limit: number;
  private readonly maxPerKey: number;
  private readonly clock: Clock;
  private held = 0;
  private readonly heldByKey = new Map<string, number>();
  private readonly waiters: Waiter[] = [];

  constructor(options: HandshakeSlotsOptions) {
    if (!(options.limit >= 1)) throw new Error('HandshakeSlots needs a limit of at least 1');
    this.limit = options.limit;
    this.maxPerKey = options.maxPerKey ?? options.limit;
    this.clock = options.clock ?? systemClock;
  }

  /** Handshakes holding a slot right now. */
  get active(): number {
    return this.held;
  }

  /** Handshakes waiting for a slot right now. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Resolves with the slot's release function once the handshake may start. */
  acquire(options: AcquireOptions = {}): Promise<() => void> {
    const { key, deadlineAt, signal } = options;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise((resolve, reject) => {
      const startedAt = this.clock.now();
      let timer: ClockTimer | undefined;
      const leave = (): boolean => {
        const index = this.waiters.indexOf(waiter);
        if (index < 0) return false;
        this.waiters.splice(index, 1);
        this.clock.clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        return true;
      };
      const onAbort = (): void => {
        if (leave()) reject(abortReason(signal!));
      };
      const waiter: Waiter = {
        key,
        grant: (release) => {
          leave();
          resolve(release);
        },
      };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (deadlineAt !== undefined) {
        timer = this.clock.setTimeout(
          () => {
            if (leave()) {
              reject(new HandshakeSlotTimeout(this.clock.now() - startedAt, this.limit));
            }
          },
          Math.max(0, deadlineAt - startedAt),
        );
      }
      this.grantNext(); // a free slot goes to the first eligible waiter, maybe this one
    });
  }

  private eligible(key: string | undefined): boolean {
    if (this.held >= this.limit) return false;
    return key === undefined || (this.heldByKey.get(key) ?? 0) < this.maxPerKey;
  }

  private take(key: string | undefined): () => void {
    this.held += 1;
    if (key !== undefined) this.heldByKey.set(key, (this.heldByKey.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held -= 1;
      if (key !== undefined) {
        const left = (this.heldByKey.get(key) ?? 1) - 1;
        if (left <= 0) this.heldByKey.delete(key);
        else this.heldByKey.set(key, left);
      }
      this.grantNext();
    };
  }

  private grantNext(): void {
    for (let i = 0; i < this.waiters.length && this.held < this.limit;) {
      const waiter = this.waiters[i]!;
      if (!this.eligible(waiter.key)) {
        i += 1;
        continue;
      }
      waiter.grant(this.take(waiter.key)); // removes it from waiters
    }
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}
