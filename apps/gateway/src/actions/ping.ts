/**
 * ALPN `infisical-ping` (reference §5.5): the gateway writes `PONG\n` and closes. The control plane
 * uses it as the fallback health probe of gateways that do not serve `infisical-health`.
 */
import { PING_REPLY } from '@burrow/tunnel-protocol';
import type { ActionHandler } from './action.ts';
import { endStream } from './close-stream.ts';

export const handlePing: ActionHandler = ({ socket, logger }) => {
  logger.debug('ping answered');
  endStream(socket, PING_REPLY);
};
