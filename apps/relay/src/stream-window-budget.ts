/**
 * How much of the gateways' data the relay may hold per caller identity and per gateway.
 *
 * A stream's SSH channel receive window is what the gateway may send the relay before the relay
 * has passed any of it on; a caller that opens many streams and never reads makes the relay hold
 * every window in full (ssh2 buffers what arrives within the window). So each stream's window is
 * taken from two budgets when the channel opens, and given back when the stream ends:
 *
 *   window   = min(CHANNEL_WINDOW, what is left of the caller's budget, what is left of the
 *              gateway's budget), but at least RELAY_STREAM_MIN_WINDOW (a stream must be able to
 *              move data; a small window only slows a bulk transfer, it never stops a stream)
 *   caller   RELAY_STREAM_WINDOW_BUDGET_PER_CALLER, keyed by the caller's client certificate
 *   gateway  RELAY_STREAM_WINDOW_BUDGET_PER_GATEWAY
 *
 * So what one caller can make the relay hold in windows is at most its budget plus the minimum
 * window per stream (and MAX_STREAMS_PER_GATEWAY streams per gateway), instead of
 * CHANNEL_WINDOW x streams (4 MiB x 1,024 = 4 GiB). The first streams get full windows; a window
 * is fixed for the life of its channel, so budget freed by finished streams goes to new ones.
 *
 * @example
 *   const grant = budget.reserve(gatewayId, certificateFingerprint);
 *   const channel = await session.openChannel({ receiveWindow: grant.window });
 *   stream.once('close', grant.release);
 */
import { CHANNEL_WINDOW } from '@burrow/ssh-transport';
import {
  RELAY_STREAM_MIN_WINDOW,
  RELAY_STREAM_WINDOW_BUDGET_PER_CALLER,
  RELAY_STREAM_WINDOW_BUDGET_PER_GATEWAY,
} from '@burrow/tunnel-protocol';

export interface StreamWindowLimits {
  perCaller: number;
  perGateway: number;
  minWindow: number;
  maxWindow: number;
}

export const DEFAULT_STREAM_WINDOW_LIMITS: StreamWindowLimits = {
  perCaller: RELAY_STREAM_WINDOW_BUDGET_PER_CALLER,
  perGateway: RELAY_STREAM_WINDOW_BUDGET_PER_GATEWAY,
  minWindow: RELAY_STREAM_MIN_WINDOW,
  maxWindow: CHANNEL_WINDOW,
};

export interface WindowGrant {
  /** The receive window for this stream's channel, in bytes. */
  readonly window: number;
  /** Gives the window back (idempotent). */
  release(): void;
}

export class StreamWindowBudget {
  private readonly limits: StreamWindowLimits;
  private readonly perCaller = new Map<string, number>();
  private readonly perGateway = new Map<string, number>();

  constructor(limits: Partial<StreamWindowLimits> = {}) {
    this.limits = { ...DEFAULT_STREAM_WINDOW_LIMITS, ...limits };
  }

  reserve(gatewayKey: string, callerKey: string): WindowGrant {
    const { perCaller, perGateway, minWindow, maxWindow } = this.limits;
    const callerUsed = this.perCaller.get(callerKey) ?? 0;
    const gatewayUsed = this.perGateway.get(gatewayKey) ?? 0;
    const window = Math.max(
      minWindow,
      Math.min(maxWindow, perCaller - callerUsed, perGateway - gatewayUsed),
    );
    this.perCaller.set(callerKey, callerUsed + window);
    this.perGateway.set(gatewayKey, gatewayUsed + window);
    let released = false;
    return {
      window,
      release: () => {
        if (released) return;
        released = true;
        take(this.perCaller, callerKey, window);
        take(this.perGateway, gatewayKey, window);
      },
    };
  }

  /** Window bytes reserved by a caller's open streams (a metric and a test hook). */
  reservedByCaller(callerKey: string): number {
    return this.perCaller.get(callerKey) ?? 0;
  }

  /** Window bytes reserved by a gateway's open streams. */
  reservedByGateway(gatewayKey: string): number {
    return this.perGateway.get(gatewayKey) ?? 0;
  }
}

function take(map: Map<string, number>, key: string, amount: number): void {
  const left = (map.get(key) ?? 0) - amount;
  if (left <= 0) map.delete(key);
  else map.set(key, left);
}
