/**
 * Relay heartbeat (reference §3.5; contract: @burrow/platform-api routes.heartbeatOrgRelay /
 * heartbeatInstanceRelay with `{name}`, or relayHeartbeat without a body for an enrolled relay). The control plane answers by probing this relay's
 * TLS port with the all-zero caller certificate, so the heartbeat only starts once both listeners
 * are up. Every 10 s until the first success, then every 30 min.
 *
 * Deletion: the control plane answers 404 for a relay it no longer knows (an admin deleted it,
 * `DELETE /api/v1/relays/:id`). That is how the relay learns of it: `onDeleted` is called once and
 * the heartbeat stops; the relay then stops serving (relay.ts). Its gateways have already been
 * told, within seconds, to drop their tunnels to it (the control plane's gateway-commands.ts).
 */
import type { Logger } from '@burrow/observability';
import { PlatformError, routes, type PlatformClient } from '@burrow/platform-api';
import { startPeriodicTask, type Clock, type PeriodicTask } from '@burrow/tunnel-protocol';
import type { RelayType } from './relay-config.ts';

/** Until the control plane has seen us once, retry quickly (the reference uses 10 s). */
export const RELAY_HEARTBEAT_RETRY_INTERVAL_MS = 10_000;
/** After that, the reference's 30 min; the control plane calls a relay healthy for 1 h. */
export const RELAY_HEARTBEAT_INTERVAL_MS = 30 * 60 * 1000;

export interface RelayHeartbeatOptions {
  client: Pick<PlatformClient, 'call'>;
  type: RelayType;
  /** An enrolled relay heartbeats with POST /api/v2/relays/heartbeat (no body). */
  enrolled?: boolean;
  name: string;
  logger: Logger;
  retryIntervalMs?: number;
  intervalMs?: number;
  clock?: Clock;
  /** The control plane no longer knows this relay (404): called once, with its message. */
  onDeleted?: (reason: string) => void;
}

export function startRelayHeartbeat(options: RelayHeartbeatOptions): PeriodicTask {
  const retryMs = options.retryIntervalMs ?? RELAY_HEARTBEAT_RETRY_INTERVAL_MS;
  const intervalMs = options.intervalMs ?? RELAY_HEARTBEAT_INTERVAL_MS;
  const { logger } = options;
  let everSucceeded = false;
  let deleted = false;
  const task: PeriodicTask = startPeriodicTask({
    firstDelayMs: 0,
    run: async () => {
      if (deleted) return;
      try {
        if (options.enrolled) await options.client.call(routes.relayHeartbeat, {});
        else {
          const route =
            options.type === 'org' ? routes.heartbeatOrgRelay : routes.heartbeatInstanceRelay;
          await options.client.call(route, { body: { name: options.name } });
        }
      } catch (error) {
        // An enrolled relay's access token is refused (401) once it is deleted or revoked.
        const gone =
          error instanceof PlatformError &&
          (error.status === 404 || (options.enrolled === true && error.status === 401));
        if (gone && options.onDeleted) {
          deleted = true;
          logger.error(
            { err: (error as Error).message },
            'The control plane no longer knows this relay',
          );
          task.stop();
          options.onDeleted((error as Error).message);
          return;
        }
        throw error;
      }
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
  return task;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
