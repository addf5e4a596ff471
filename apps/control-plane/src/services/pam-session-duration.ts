import ms from 'ms';
import { InvalidRequestError } from '../domain/errors.ts';

/** Sessions last at most a day: the certificates minted for them cannot be revoked earlier. */
export const PAM_MAX_SESSION_MS = 24 * 60 * 60 * 1000;

/** Below a second a session could not even finish its TLS handshakes. */
export const PAM_MIN_SESSION_MS = 1000;

/**
 * Parses an access request's `duration` with the npm `ms` package, as the reference API does:
 * the reference CLI sends `"<N>ms"`, people type `"1h"` or `"30m"`. Refuses what `ms` cannot
 * read, less than a second, and more than PAM_MAX_SESSION_MS.
 *
 * @example
 *   parseSessionDuration('3600000ms'); // 3_600_000
 *   parseSessionDuration('1h');        // 3_600_000
 */
export function parseSessionDuration(text: string): number {
  let value: number | undefined;
  try {
    value = ms(text as ms.StringValue) as number | undefined;
  } catch {
    value = undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidRequestError(
      `duration "${text}" is not a duration (e.g. "3600000ms" or "1h")`,
    );
  }
  if (value < PAM_MIN_SESSION_MS) throw new InvalidRequestError('duration must be at least 1s');
  if (value > PAM_MAX_SESSION_MS) throw new InvalidRequestError('duration must be at most 24h');
  return Math.floor(value);
}
