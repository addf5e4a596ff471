/**
 * ALPN `infisical-health` (reference §5.5, §5.7): the gateway writes
 * `{"status":"ok","heartbeatTTL":180}\n` and closes. The control plane sends this probe through the
 * relay after each heartbeat and marks the gateway healthy for heartbeatTTL (+ a buffer) seconds.
 */
import { healthReply } from '@burrow/tunnel-protocol';
import type { ActionHandler } from './action.ts';
import { endStream } from './close-stream.ts';

export const handleHealth: ActionHandler = ({ socket, logger }) => {
  logger.debug('health probe answered');
  endStream(socket, healthReply());
};
