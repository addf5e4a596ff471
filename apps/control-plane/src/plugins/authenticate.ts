import { isResourceAccessTokenShape, type ResourceType } from '@burrow/auth-methods';
import type { FastifyRequest } from 'fastify';
import { ForbiddenError } from '../domain/errors.ts';
import { bearerToken, type AccessTokens } from '../services/access-tokens.ts';
import type { AuthenticatedResource, ResourceTokenAuth } from '../services/resource-token-auth.ts';
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
 * needs the user to still exist (a lock refuses new sign-ins only, not the sessions a user has).
 * A bearer with a JWT's shape is an enrolled gateway's or relay's resource access token
 * (resource-token-auth.ts); it authenticates as that resource's own identity. Either way the
 * caller is an identity, so every route keeps its one permission check (domain/permissions.ts).
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
/** The enrolled gateway or relay behind each request made with a resource access token. */
const resourceOfRequest = new WeakMap<FastifyRequest, AuthenticatedResource>();

export function requestAuthenticator(
  accessTokens: AccessTokens,
  userAccounts: Pick<UserAccounts, 'assertExists'>,
  resourceTokens: Pick<ResourceTokenAuth, 'authenticate'>,
): Authenticate {
  return (request) => {
    const { authorization } = request.headers;
    if (authorization && isResourceAccessTokenShape(bearerToken(authorization))) {
      const resource = resourceTokens.authenticate(bearerToken(authorization));
      resourceOfRequest.set(request, resource);
      request.log.debug(
        { identityId: resource.identity.id, [`${resource.type}Id`]: resource.resourceId },
        'enrolled resource authenticated',
      );
      return resource.identity;
    }
    const cookie = authorization ? undefined : request.cookies?.[SESSION_COOKIE];
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
      authenticated = accessTokens.authenticate(authorization, request.ip);
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

/**
 * The enrolled gateway or relay of a `resource-token` route: `authenticate(request)` must have
 * accepted its resource access token of this kind; any other credential is refused (403).
 */
export function resourceOf(
  authenticate: Authenticate,
  request: FastifyRequest,
  type: ResourceType,
): AuthenticatedResource {
  authenticate(request);
  const resource = resourceOfRequest.get(request);
  if (resource?.type !== type) {
    throw new ForbiddenError(
      type === 'gateway'
        ? 'This route needs a gateway access token (from POST /api/v3/gateways/token-auth/enroll)'
        : 'This route needs a relay access token (from POST /api/v2/relays/login)',
    );
  }
  return resource;
}
