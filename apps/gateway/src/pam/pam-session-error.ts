/**
 * Why the PAM core refuses a connection of a session, with a message fit for the caller's screen
 * (never a secret). Each protocol shows it its own way (PostgreSQL: FATAL with a SQLSTATE chosen
 * from `reason`).
 *
 *   ended            the session ended, expired or was cancelled
 *   refused          the control plane refused this gateway the session's credentials
 *   unavailable      the credentials could not be fetched (control plane unreachable, bad answer)
 *   not-recordable   the session cannot be recorded, so it is refused
 */
export type PamRefusalReason = 'ended' | 'refused' | 'unavailable' | 'not-recordable';

export class PamSessionError extends Error {
  readonly reason: PamRefusalReason;
  constructor(message: string, reason: PamRefusalReason) {
    super(message);
    this.name = 'PamSessionError';
    this.reason = reason;
  }
}
