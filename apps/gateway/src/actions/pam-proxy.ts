/**
 * ALPN `infisical-pam-proxy` (reference §5.5, §8.2, §8.3; docs/pam-contract.md): a person's PAM
 * session to a private resource, with the gateway injecting the stored credentials.
 *
 *   the caller's certificate must carry `…100.3 {sessionId, resourceType}`; without it the stream
 *   is closed (nothing is written: the caller did not ask for a PAM session). The session ends at
 *   the certificate's NotAfter.
 *   the session's resource type picks its protocol (PamSessions; "postgres" ->
 *   pam/postgres/postgres-pam-protocol.ts); a type without one -> logged and closed (see
 *   infisical-pam-capabilities).
 *
 * Every connection of one session (psql's main connection, its cancel connections, a driver's
 * pool) arrives as its own tunnel and joins the same PamSession.
 */
import type { PamSessions } from '../pam/pam-sessions.ts';
import type { ActionContext } from './action.ts';
import { endStream } from './close-stream.ts';
import { readPamCertificate } from './pam-certificate.ts';

/**
 * @example
 *   const handlers = { [ALPN.pamProxy]: createPamProxyHandler(pamSessions) };
 */
export function createPamProxyHandler(sessions: PamSessions) {
  return (context: ActionContext): void => {
    const { socket, logger } = context;
    const pam = readPamCertificate(context);
    if (!pam) {
      endStream(socket);
      return;
    }
    const sessionLogger = logger.child({
      sessionId: pam.sessionId,
      resourceType: pam.resourceType,
    });
    const session = sessions.session(pam.sessionId, pam.resourceType, pam.notAfter);
    if (!session) {
      sessionLogger.warn('pam-proxy refused: this gateway does not support the resource type');
      endStream(socket);
      return;
    }
    // A refused session (expired, cancelled) is reported by the protocol in its own way
    // (PostgreSQL: after the startup packet, as a FATAL ErrorResponse, which every client shows).
    session.serve(socket, sessionLogger);
  };
}
