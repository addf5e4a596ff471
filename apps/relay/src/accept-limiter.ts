/**
 * Admission at TCP accept, per source, shared by the relay's :8443 and :2222 listeners. It guards
 * the relay against UNAUTHENTICATED work — connection floods and handshakes that never finish —
 * and stays out of the way of sources that authenticate: an authenticated caller's streams have
 * their own quotas: streams per gateway (caller-listener.ts) and buffered bytes per caller identity
 * and per gateway (stream-window-budget.ts).
 *
 *   source   the remote IPv4 address; for IPv6 its /64 prefix (one host or one customer network:
 *            an IPv6 host picks addresses freely inside its /64, so counting per address would
 *            let one host look like billions of sources); IPv4-mapped IPv6 counts as IPv4
 *   rate     token bucket: RELAY_ACCEPT_BURST_PER_SOURCE tokens, refilled at
 *            RELAY_ACCEPT_RATE_PER_SOURCE_PER_SECOND; an accepted connection takes one, and gives it
 *            back when its handshake authenticates, so only failed or abandoned handshakes count
 *   known    a source with an authenticated handshake since it was last forgotten is known: it is
 *            not rate-limited and may have RELAY_MAX_PENDING_HANDSHAKES_PER_KNOWN_SOURCE
 *            handshakes under way (a busy platform is one source opening hundreds of streams at
 *            once, slowed further by a loaded CPU)
 *   pending  an unknown source may have RELAY_MAX_PENDING_HANDSHAKES_PER_SOURCE connections in
 *            their handshake (TLS, or SSH until login) at once — the slowloris bound
 *   memory   at most RELAY_ACCEPT_MAX_TRACKED_SOURCES sources. Entries idle for
 *            RELAY_ACCEPT_SOURCE_IDLE_MS are forgotten; when the table is full, a new source
 *            takes the place of the least recently seen source without a handshake under way,
 *            unknown sources first, so a flood of new addresses churns through its own entries
 *            instead of locking every new source out. Only a table whose oldest entries all
 *            have handshakes under way refuses (`too_many_sources`).
 *
 * A refused connection is destroyed at once, before any TLS or SSH byte; the caller of `admit`
 * does that and counts it (`reason`).
 *
 * @example
 *   const admission = limiter.admit(socket.remoteAddress);
 *   if (!admission.ok) return socket.destroy();
 *   onAuthenticated(() => admission.authenticated());
 *   onHandshakeOver(() => admission.handshakeDone());
 */
import net from 'node:net';
import {
  RELAY_ACCEPT_BURST_PER_SOURCE,
  RELAY_ACCEPT_MAX_TRACKED_SOURCES,
  RELAY_ACCEPT_RATE_PER_SOURCE_PER_SECOND,
  RELAY_ACCEPT_SOURCE_IDLE_MS,
  RELAY_MAX_PENDING_HANDSHAKES_PER_KNOWN_SOURCE,
  RELAY_MAX_PENDING_HANDSHAKES_PER_SOURCE,
} from '@burrow/tunnel-protocol';

export interface AcceptLimits {
  burst: number;
  ratePerSecond: number;
  maxPendingPerSource: number;
  maxPendingPerKnownSource: number;
  maxTrackedSources: number;
  sourceIdleMs: number;
}

export const DEFAULT_ACCEPT_LIMITS: AcceptLimits = {
  burst: RELAY_ACCEPT_BURST_PER_SOURCE,
  ratePerSecond: RELAY_ACCEPT_RATE_PER_SOURCE_PER_SECOND,
  maxPendingPerSource: RELAY_MAX_PENDING_HANDSHAKES_PER_SOURCE,
  maxPendingPerKnownSource: RELAY_MAX_PENDING_HANDSHAKES_PER_KNOWN_SOURCE,
  maxTrackedSources: RELAY_ACCEPT_MAX_TRACKED_SOURCES,
  sourceIdleMs: RELAY_ACCEPT_SOURCE_IDLE_MS,
};

export type AcceptRefusal = 'rate_limited' | 'too_many_pending' | 'too_many_sources';

export type Admission =
  | {
      readonly ok: true;
      /** The source had authenticated before this connection (it is not metered). */
      readonly known: boolean;
      /** The handshake authenticated: the token comes back and the source is known. */
      authenticated(): void;
      /** The handshake is over (authenticated, failed or abandoned). Idempotent. */
      handshakeDone(): void;
    }
  | { readonly ok: false; readonly reason: AcceptRefusal };

interface SourceState {
  tokens: number;
  refilledAt: number;
  lastSeen: number;
  pending: number;
  known: boolean;
}

/** How many of the least recently seen entries a full table looks at to make room. */
const EVICTION_SCAN = 64;

export class AcceptLimiter {
  private readonly limits: AcceptLimits;
  private readonly now: () => number;
  /** In least-recently-seen order (an entry moves to the end when its source connects). */
  private readonly sources = new Map<string, SourceState>();
  private lastSweep: number;

  constructor(limits: Partial<AcceptLimits> = {}, now: () => number = Date.now) {
    this.limits = { ...DEFAULT_ACCEPT_LIMITS, ...limits };
    this.now = now;
    this.lastSweep = now();
  }

  /** Decides on one new connection from `address` (its remote IP). */
  admit(address: string | undefined): Admission {
    const key = sourceKey(address);
    const now = this.now();
    this.sweep(now);
    let state = this.sources.get(key);
    if (state === undefined) {
      if (this.sources.size >= this.limits.maxTrackedSources && !this.evictOne()) {
        return { ok: false, reason: 'too_many_sources' };
      }
      state = {
        tokens: this.limits.burst,
        refilledAt: now,
        lastSeen: now,
        pending: 0,
        known: false,
      };
    } else {
      this.sources.delete(key); // re-inserted below: most recently seen
    }
    this.sources.set(key, state);
    state.lastSeen = now;
    const elapsedSeconds = (now - state.refilledAt) / 1000;
    state.tokens = Math.min(
      this.limits.burst,
      state.tokens + elapsedSeconds * this.limits.ratePerSecond,
    );
    state.refilledAt = now;
    const maxPending = state.known
      ? this.limits.maxPendingPerKnownSource
      : this.limits.maxPendingPerSource;
    if (state.pending >= maxPending) return { ok: false, reason: 'too_many_pending' };
    const charged = !state.known;
    if (charged) {
      if (state.tokens < 1) return { ok: false, reason: 'rate_limited' };
      state.tokens -= 1;
    }
    state.pending += 1;
    const admitted = state;
    let done = false;
    let refunded = false;
    return {
      ok: true,
      known: !charged,
      authenticated: () => {
        admitted.known = true;
        if (charged && !refunded) {
          refunded = true;
          admitted.tokens = Math.min(this.limits.burst, admitted.tokens + 1);
        }
      },
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

  /** Whether `address`'s source has authenticated since it was last forgotten (a test hook). */
  isKnown(address: string): boolean {
    return this.sources.get(sourceKey(address))?.known ?? false;
  }

  /** Frees one entry of a full table; false when the oldest entries all have handshakes pending. */
  private evictOne(): boolean {
    let fallback: string | undefined;
    let scanned = 0;
    for (const [key, state] of this.sources) {
      if (scanned++ >= EVICTION_SCAN) break;
      if (state.pending > 0) continue;
      if (!state.known) {
        this.sources.delete(key);
        return true;
      }
      fallback ??= key;
    }
    if (fallback === undefined) return false;
    this.sources.delete(fallback);
    return true;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < this.limits.sourceIdleMs) return;
    this.lastSweep = now;
    for (const [key, state] of this.sources) {
      const idle = now - state.lastSeen >= this.limits.sourceIdleMs;
      if (idle && state.pending === 0) this.sources.delete(key);
    }
  }
}

/** The limiter's notion of one source: an IPv4 address, or an IPv6 /64 prefix. */
export function sourceKey(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  const bare = address.split('%')[0] ?? address; // zone index (fe80::1%eth0)
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return mapped[1] as string;
  if (!net.isIPv6(bare)) return bare;
  return `${ipv6Groups(bare).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, as lower-case hex without leading zeros. */
function ipv6Groups(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const parse = (part: string): string[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => (group.includes('.') ? ipv4Groups(group) : [group]));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const zeros = Array.from({ length: 8 - left.length - right.length }, () => '0');
  return [...left, ...zeros, ...right].map((group) => parseInt(group, 16).toString(16));
}

/** An embedded dotted IPv4 tail (::1.2.3.4) as two IPv6 groups. */
function ipv4Groups(dotted: string): string[] {
  const [a = 0, b = 0, c = 0, d = 0] = dotted.split('.').map(Number);
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}
