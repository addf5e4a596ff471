/**
 * ALPN `burrow-gateway-check-in` (Burrow's own; the control plane's gateway-commands.ts): no
 * payload. The control plane says "check your standing now" — after this gateway, its identity
 * or one of its relays was deleted. Only a platform certificate (`…100.2` type "platform") is
 * heard, so a PAM user cannot make the gateway call the control plane over and over.
 *
 * The nudge carries no authority: the gateway registers again with each of its relays at once
 * (Gateway.checkStanding) and acts on what the control plane answers *its own* request — gateway
 * deleted or identity gone → it stops; one relay unknown → it closes that tunnel. The stream is
 * closed as soon as the check has started.
 */
import type { ActionContext } from './action.ts';
import { endStream } from './close-stream.ts';

/**
 * @example
 *   const handlers = { [ALPN.gatewayCheckIn]: createGatewayCheckInHandler(() => gateway.checkStanding()) };
 */
export function createGatewayCheckInHandler(checkStanding: () => void) {
  return (context: ActionContext): void => {
    const { socket, actor, logger } = context;
    if (actor?.type !== 'platform') {
      logger.warn('check-in refused: only the control plane (a platform certificate) may ask');
      endStream(socket);
      return;
    }
    logger.info('the control plane asked this gateway to check in');
    checkStanding();
    endStream(socket);
  };
}
