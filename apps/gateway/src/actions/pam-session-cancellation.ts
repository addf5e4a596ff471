/**
 * ALPN `infisical-pam-session-cancellation` (reference §5.5; docs/pam-contract.md): no payload.
 * The caller's certificate names the session (`…100.3`); the gateway closes every connection of
 * that session (each caller sees a FATAL "was cancelled" error), marks its recording ended and
 * uploads the rest, calls `POST /api/v1/pam/sessions/:id/end`, then closes this stream.
 * Connections of the session that arrive later are refused.
 */
import type { PamSessions } from '../pam/pam-sessions.ts';
import type { ActionContext } from './action.ts';
import { endStream } from './close-stream.ts';
import { readPamCertificate } from './pam-certificate.ts';

/**
 * @example
 *   const handlers = { [ALPN.pamSessionCancellation]: createPamSessionCancellationHandler(pamSessions) };
 */
export function createPamSessionCancellationHandler(sessions: PamSessions) {
  return (context: ActionContext): void => {
    const { socket, logger } = context;
    const pam = readPamCertificate(context);
    if (!pam) {
      endStream(socket);
      return;
    }
    socket.resume();
    logger.info({ sessionId: pam.sessionId }, 'PAM session cancellation requested');
    sessions
      .cancel(pam.sessionId, pam.resourceType, pam.notAfter)
      .catch((error: unknown) =>
        logger.error(
          {
            sessionId: pam.sessionId,
            error: error instanceof Error ? error.message : String(error),
          },
          'PAM session cancellation failed',
        ),
      )
      .finally(() => endStream(socket));
  };
}
