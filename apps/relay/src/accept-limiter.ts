/**
 * Admission at TCP accept, per source IP, shared by the relay's :8443 and :2222 listeners:
 *
 *   rate     token bucket: RELAY_ACCEPT_BURST_PER_SOURCE tokens, refilled at
 *            RELAY_ACCEPT_RATE_PER_SOURCE_PER_SECOND; one token per accepted connection
 *   pending  at most RELAY_MAX_PENDING_HANDSHAKES_PER_SOURCE connections of a source may be in
 *            their handshake (TLS, or SSH until login) at once — the slowloris bound
 *   memory   at most RELAY_ACCEPT_MAX_TRACKED_SOURCES sources; idle full-bucket entries are
 *            forgotten after RELAY_ACCEPT_SOURCE_IDLE_MS
 *
 * A refused connection is destroyed at once, before any TLS or SSH byte; the caller of `admit`
 * does that and counts it (`reason`).
 *
 * @example
 *   const admission = limiter.admit(socket.remoteAddress);
 *   if (!admission.ok) return socket.destroy();
 *   onHandshakeDone(() => admission.handshakeDone());
 */
import {
  RELAY_ACCEPT_BURST_PER_SOURCE,
  RELAY_ACCEPT_MAX_TRACKED_SOURCES,
  RELAY_ACCEPT_RATE_PER_SOURCE_PER_SECOND,
  RELAY_ACCEPT_SOURCE_IDLE_MS,
  RELAY_MAX_PENDING_HANDSHAKES_PER_SOURCE,
} from '@burrow/tunnel-protocol';

export interface AcceptLimits {
  burst: number;
  ratePerSecond: number;
  maxPendingPerSource: number;
  maxTrackedSources: number;
  sourceIdleMs: number;
}

export const DEFAULT_ACCEPT_LIMITS: AcceptLimits = {
  burst: RELAY_ACCEPT_BURST_PER_SOURCE,
  ratePerSecond: RELAY_ACCEPT_RATE_PER_SOURCE_PER_SECOND,
  maxPendingPerSource: RELAY_MAX_PENDING_HANDSHAKES_PER_SOURCE,
  maxTrackedSources: RELAY_ACCEPT_MAX_TRACKED_SOURCES,
  sourceIdleMs: RELAY_ACCEPT_SOURCE_IDLE_MS,
};

export type AcceptRefusal = 'rate_limited' | 'too_many_pending' | 'too_many_sources';

export type Admission =
  | { readonly ok: true; handshakeDone(): void }
  | { readonly ok: false; readonly reason: AcceptRefusal };

interface SourceState {
  tokens: number;
  refilledAt: number;
  pending: number;
}

export class AcceptLimiter {
  private readonly limits: AcceptLimits;
  private readonly now: () => number;
  private readonly sources = new Map<string, SourceState>();
  private lastSweep: number;

  constructor(limits: Partial<AcceptLimits> = {}, now: () => number = Date.now) {
    this.limits = { ...DEFAULT_ACCEPT_LIMITS, ...limits };
    this.now = now;
    this.lastSweep = now();
  }

  /** Decides on one new connection from `source` (its IP). */
  admit(source: string | undefined): Admission {
    const key = source ?? 'unknown';
    const now = this.now();
    this.sweep(now);
    let state = this.sources.get(key);
    if (state === undefined) {
      if (this.sources.size >= this.limits.maxTrackedSources) {
        return { ok: false, reason: 'too_many_sources' };
      }
      state = { tokens: this.limits.burst, refilledAt: now, pending: 0 };
      this.sources.set(key, state);
    }
    const elapsedSeconds = (now - state.refilledAt) / 1000;
    state.tokens = Math.min(
      this.limits.burst,
      state.tokens + elapsedSeconds * this.limits.ratePerSecond,
    );
    state.refilledAt = now;
    if (state.pending >= this.limits.maxPendingPerSource) {
      return { ok: false, reason: 'too_many_pending' };
    }
    if (state.tokens < 1) return { ok: false, reason: 'rate_limited' };
    state.tokens -= 1;
    state.pending += 1;
    const admitted = state;
    let done = false;
    return {
      ok: true,
      handshakeDone: () => {
        if (done) return;
        done = true;
        admitted.pending -= 1;
      },
    };
  }

  /** Sources tracked right now (a metric and a test hook). */
  get trackedSources(): number {
    return this.sources.size;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < this.limits.sourceIdleMs) return;
    this.lastSweep = now;
    for (const [key, state] of this.sources) {
      const idle = now - state.refilledAt >= this.limits.sourceIdleMs;
      if (idle && state.pending === 0) this.sources.delete(key);
    }
  }
}
