import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpError, unauthorized } from '../app/http-error.ts';
import { bearerToken } from './access-tokens.ts';

/**
 * Instance relays authenticate with `Authorization: Bearer <RELAY_AUTH_SECRET>` (reference §3.2).
 * Both sides are hashed before the constant-time compare, so neither the content nor the length
 * of the secret leaks through timing.
 */
export function verifyRelayAuthSecret(
  configured: string | undefined,
  authorization: string | undefined,
): void {
  if (configured === undefined) {
    throw new HttpError(
      403,
      'Instance relays are disabled: RELAY_AUTH_SECRET is not set on the control plane',
    );
  }
  const presented = bearerToken(authorization);
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(configured).digest();
  if (!timingSafeEqual(a, b)) throw unauthorized('Invalid relay auth secret');
}
