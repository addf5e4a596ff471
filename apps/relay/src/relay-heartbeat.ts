/**
 * Relay heartbeat (reference §3.5): `POST /v1/relays/heartbeat-org-relay` or
 * `.../heartbeat-instance-relay` with `{name}`. The control plane answers by probing this relay's
 * TLS port with the all-zero caller certificate, so the heartbeat only starts once both listeners
 * are up. Every 10 s until the first success, then every 30 min.
 */
import type { Logger } from '@burrow/observability';
import { startPeriodicTask, type Clock, type PeriodicTask } from '@burrow/tunnel-protocol';
import type { ControlPlaneClient } from './control-plane-client.ts';
import type { RelayType } from './relay-config.ts';

/** Until the control plane has seen us once, retry quickly (the reference uses 10 s). */
export const RELAY_HEARTBEAT_RETRY_INTERVAL_MS = 10_000;
/** After that, the reference's 30 min; the control plane calls a relay healthy for 1 h. */
export const RELAY_HEARTBEAT_INTERVAL_MS = 30 * 60 * 1000;

export function heartbeatPath(type: RelayType): string {
  return type === 'org' ? '/v1/relays/heartbeat-org-relay' : '/v1/relays/heartbeat-instance-relay';
}

export interface RelayHeartbeatOptions {
  client: ControlPlaneClient;
  type: RelayType;
  name: string;
  logger: Logger;
  retryIntervalMs?: number;
  intervalMs?: number;
  clock?: Clock;
}

export function startRelayHeartbeat(options: RelayHeartbeatOptions): PeriodicTask {
  const retryMs = options.retryIntervalMs ?? RELAY_HEARTBEAT_RETRY_INTERVAL_MS;
  const intervalMs = options.intervalMs ?? RELAY_HEARTBEAT_INTERVAL_MS;
  const { logger } = options;
  let everSucceeded = false;
  return startPeriodicTask({
    firstDelayMs: 0,
    run: async () => {
      await options.client.post(heartbeatPath(options.type), { name: options.name });
      if (!everSucceeded) logger.info('Relay heartbeat accepted by the control plane');
      else logger.debug('Relay heartbeat accepted');
      everSucceeded = true;
    },
    delayAfter: () => (everSucceeded ? intervalMs : retryMs),
    onError: (error) =>
      logger.warn(
        { err: errorMessage(error), retryInMs: everSucceeded ? intervalMs : retryMs },
        'Relay heartbeat failed',
      ),
    ...(options.clock ? { clock: options.clock } : {}),
  });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
