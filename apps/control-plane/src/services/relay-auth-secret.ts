import { createHash, timingSafeEqual } from 'node:crypto';
import { ForbiddenError, UnauthorizedError } from '../domain/errors.ts';
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
    throw new ForbiddenError(
      'Instance relays are disabled: RELAY_AUTH_SECRET is not set on the control plane',
    );
  }
  const presented = bearerToken(authorization);
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(configured).digest();
  if (!timingSafeEqual(a, b)) throw new UnauthorizedError('Invalid relay auth secret');
}
