/**
 * Gateway heartbeat (reference §5.7): `POST /api/v2/gateways/heartbeat {capabilities?}`. The
 * control plane answers by probing the gateway back through the relay with ALPN
 * `infisical-health`; only when that probe succeeds does it mark the gateway healthy and answer 2xx.
 *
 * Schedule: every 10 s until a heartbeat succeeds, then every 3 min (= the heartbeatTTL the health
 * reply advertises). Unlike the reference, which keeps the 3 min pace after a failure, a failed
 * heartbeat here goes back to the 10 s pace, so a gateway that was briefly unreachable is healthy
 * again within seconds instead of minutes. After a reconnect to the relay the gateway calls
 * {@link GatewayHeartbeat.soon} so the platform re-probes the new path right away.
 */
import type { Logger } from '@burrow/observability';
import {
  GATEWAY_HEARTBEAT_TTL_SECONDS,
  startPeriodicTask,
  type Clock,
  type PeriodicTask,
} from '@burrow/tunnel-protocol';

/** Pace until the first success and after any failure (reference: 10 s). */
export const HEARTBEAT_RETRY_INTERVAL_MS = 10_000;

/** Pace while healthy; the health reply tells the platform to expect this (reference: 3 min). */
export const HEARTBEAT_INTERVAL_MS = GATEWAY_HEARTBEAT_TTL_SECONDS * 1000;

export interface GatewayHeartbeatOptions {
  /** Sends one heartbeat; rejects when the control plane refused it or could not be reached. */
  send: (signal: AbortSignal) => Promise<void>;
  logger: Logger;
  retryIntervalMs?: number;
  intervalMs?: number;
  clock?: Clock;
}

export class GatewayHeartbeat {
  private readonly options: GatewayHeartbeatOptions;
  private task: PeriodicTask | undefined;
  private stopped = false;
  private healthy = false;

  constructor(options: GatewayHeartbeatOptions) {
    this.options = options;
  }

  /** Starts the loop with an immediate heartbeat; idempotent. */
  start(): void {
    if (this.task || this.stopped) return;
    const { send, logger } = this.options;
    const retryIntervalMs = this.options.retryIntervalMs ?? HEARTBEAT_RETRY_INTERVAL_MS;
    const intervalMs = this.options.intervalMs ?? HEARTBEAT_INTERVAL_MS;
    this.task = startPeriodicTask({
      firstDelayMs: 0,
      run: async (signal) => {
        await send(signal);
        if (!this.healthy) logger.info('heartbeat accepted: the control plane reached the gateway');
        else logger.debug('heartbeat accepted');
        this.healthy = true;
      },
      delayAfter: (ok) => (ok ? intervalMs : retryIntervalMs),
      onError: (error) => {
        this.healthy = false;
        logger.warn({ error: errorMessage(error), retryInMs: retryIntervalMs }, 'heartbeat failed');
      },
      ...(this.options.clock ? { clock: this.options.clock } : {}),
    });
  }

  /** Sends the next heartbeat now (unless one is already on its way). */
  soon(): void {
    this.task?.runSoon();
  }

  /** Stops the loop and aborts a heartbeat on its way; for good. */
  stop(): void {
    this.stopped = true;
    this.task?.stop();
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
