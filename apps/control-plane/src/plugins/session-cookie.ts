import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CookieSerializeOptions } from '@fastify/cookie';

/**
 * The console's session cookie and its CSRF token.
 *
 * - Cookie `burrow_session` = the signed-in user's access token (services/user-accounts.ts):
 *   HttpOnly (page scripts cannot read it), Secure, SameSite=Strict (no other site's page sends
 *   it), Path=/, Max-Age = the token's lifetime. Browsers keep Secure cookies on http://localhost
 *   and 127.0.0.1; anywhere else the control plane must be served over HTTPS.
 * - CSRF token = HMAC-SHA256(key = session token, "burrow-console-csrf"), base64url: bound to the
 *   session, nothing stored. The console reads it from the sign-in / session answer and sends it
 *   as `X-CSRF-Token` on every request that changes something (any method but GET/HEAD/OPTIONS);
 *   a cookie-authenticated change without it, or with another session's, is refused (403).
 */
export const SESSION_COOKIE = 'burrow_session';
export const CSRF_HEADER = 'x-csrf-token';

export function sessionCookieOptions(maxAgeSeconds: number): CookieSerializeOptions {
  return {
    httpOnly: true,
    secure: true,
    sameSite: 'strict',
    path: '/',
    maxAge: maxAgeSeconds,
  };
}

export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('burrow-console-csrf').digest('base64url');
}

export function csrfTokenMatches(sessionToken: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const actual = Buffer.from(presented);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Methods that change nothing; every other method needs the CSRF token. */
export function isSafeMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
}
