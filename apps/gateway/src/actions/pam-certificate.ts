/**
 * What the PAM actions need from the caller's certificate: `…100.3 {sessionId, resourceType}`
 * (already parsed by the inner TLS server) and the certificate's NotAfter, the session's end.
 */
import type { ActionContext } from './action.ts';

export interface PamCertificate {
  readonly sessionId: string;
  readonly resourceType: string;
  readonly notAfter: Date;
}

/**
 * The PAM session named by the caller's certificate, or undefined (logged) when it names none or
 * has already expired.
 */
export function readPamCertificate(context: ActionContext): PamCertificate | undefined {
  const { pamSession, socket, logger } = context;
  if (!pamSession || pamSession.sessionId === '' || pamSession.resourceType === '') {
    logger.warn('PAM action refused: the caller certificate carries no PAM session (…100.3)');
    return undefined;
  }
  const notAfter = socket.getPeerX509Certificate()?.validToDate;
  if (!notAfter || Number.isNaN(notAfter.getTime())) {
    logger.warn('PAM action refused: cannot read the caller certificate NotAfter');
    return undefined;
  }
  return { sessionId: pamSession.sessionId, resourceType: pamSession.resourceType, notAfter };
}
