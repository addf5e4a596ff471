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
import type { Logger } from 'pino';
import { GATEWAY_HEARTBEAT_TTL_SECONDS } from '@burrow/tunnel-protocol';

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
}

export class GatewayHeartbeat {
  private readonly send: GatewayHeartbeatOptions['send'];
  private readonly logger: Logger;
  private readonly retryIntervalMs: number;
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: AbortController | undefined;
  private running = false;
  private healthy = false;

  constructor(options: GatewayHeartbeatOptions) {
    this.send = options.send;
    this.logger = options.logger;
    this.retryIntervalMs = options.retryIntervalMs ?? HEARTBEAT_RETRY_INTERVAL_MS;
    this.intervalMs = options.intervalMs ?? HEARTBEAT_INTERVAL_MS;
  }

  /** Starts the loop with an immediate heartbeat; idempotent. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Sends the next heartbeat now (unless one is already on its way). */
  soon(): void {
    if (!this.running || this.inFlight) return;
    this.schedule(0);
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.inFlight?.abort();
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.beat(), delayMs);
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    if (!this.running) return;
    const controller = new AbortController();
    this.inFlight = controller;
    try {
      await this.send(controller.signal);
      if (!this.healthy)
        this.logger.info('heartbeat accepted: the control plane reached the gateway');
      else this.logger.debug('heartbeat accepted');
      this.healthy = true;
      if (this.running) this.schedule(this.intervalMs);
    } catch (error) {
      if (!this.running) return;
      this.healthy = false;
      this.logger.warn(
        { error: errorMessage(error), retryInMs: this.retryIntervalMs },
        'heartbeat failed',
      );
      this.schedule(this.retryIntervalMs);
    } finally {
      this.inFlight = undefined;
    }
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
