import type { FastifyRequest } from 'fastify';
import { ForbiddenError } from '../domain/errors.ts';
import type { AccessTokens } from '../services/access-tokens.ts';
import type { UserAccounts } from '../services/user-accounts.ts';
import type { Identity } from '../stores/identity-store.ts';
import { CSRF_HEADER, csrfTokenMatches, isSafeMethod, SESSION_COOKIE } from './session-cookie.ts';

/**
 * The identity behind a request (one use of its access token counted); throws 401/403 as the
 * access-token checks decide. Plugins that serve authenticated routes take one in their options.
 *
 * The token comes from `Authorization: Bearer <access token>` or, when that header is absent,
 * from the console's session cookie; a cookie-authenticated request that changes something must
 * carry the session's CSRF token (session-cookie.ts). A token issued at a user's sign-in also
 * needs the user to still exist (a lock refuses new sign-ins only, not the sessions a user has). Either way the caller is an identity, so every route
 * keeps its one permission check (domain/permissions.ts).
 *
 * @example
 *   const authenticate = requestAuthenticator(accessTokens, userAccounts);
 *   const caller = authenticate(request);
 */
export type Authenticate = (request: FastifyRequest) => Identity;

/** The ID of the access token each authenticated request used (what it opens, its revocation ends). */
const tokenOfRequest = new WeakMap<FastifyRequest, string>();
/** The signed-in user behind each request made with a user's token. */
const userOfRequest = new WeakMap<FastifyRequest, string>();

export function requestAuthenticator(
  accessTokens: AccessTokens,
  userAccounts: Pick<UserAccounts, 'assertExists'>,
): Authenticate {
  return (request) => {
    const cookie = request.headers.authorization ? undefined : request.cookies?.[SESSION_COOKIE];
    let authenticated;
    if (cookie) {
      authenticated = accessTokens.authenticateToken(cookie, request.ip);
      const csrf = request.headers[CSRF_HEADER];
      if (
        !isSafeMethod(request.method) &&
        !csrfTokenMatches(cookie, typeof csrf === 'string' ? csrf : undefined)
      ) {
        throw new ForbiddenError(
          'Missing or wrong X-CSRF-Token header: a signed-in change needs the token of its console session',
        );
      }
    } else {
      authenticated = accessTokens.authenticate(request.headers.authorization, request.ip);
    }
    if (authenticated.userId !== null) {
      userAccounts.assertExists(authenticated.userId);
      userOfRequest.set(request, authenticated.userId);
    }
    const { identity, tokenId } = authenticated;
    tokenOfRequest.set(request, tokenId);
    request.log.debug({ identityId: identity.id }, 'identity authenticated');
    return identity;
  };
}

/** The access token an authenticated request used (after `authenticate(request)`). */
export function accessTokenIdOf(request: FastifyRequest): string | undefined {
  return tokenOfRequest.get(request);
}

/** The signed-in user whose token the request used (after `authenticate(request)`); else undefined. */
export function userIdOf(request: FastifyRequest): string | undefined {
  return userOfRequest.get(request);
}
