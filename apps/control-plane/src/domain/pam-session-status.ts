/** Where a PAM session stands; derived, never stored. */
export type PamSessionStatus = 'active' | 'ended' | 'expired';

/**
 * ended once ended, else expired once past expiresAt, else active.
 *
 * @example
 *   sessionStatus({ endedAt: null, expiresAt: Date.now() + 60_000 }); // 'active'
 */
export function sessionStatus(
  session: { endedAt: number | null; expiresAt: number },
  now = Date.now(),
): PamSessionStatus {
  if (session.endedAt !== null) return 'ended';
  return now >= session.expiresAt ? 'expired' : 'active';
}
