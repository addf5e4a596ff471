import type { FastifyRequest } from 'fastify';
import type { AccessTokens } from '../services/access-tokens.ts';
import type { Identity } from '../stores/identity-store.ts';

/**
 * The machine identity behind a request's `Authorization: Bearer <access token>` (one use of the
 * token counted); throws 401/403 as the access-token checks decide. Plugins that serve
 * authenticated routes take one in their options.
 *
 * @example
 *   const authenticate = requestAuthenticator(accessTokens);
 *   const caller = authenticate(request);
 */
export type Authenticate = (request: FastifyRequest) => Identity;

/** The ID of the access token each authenticated request used (what it opens, its revocation ends). */
const tokenOfRequest = new WeakMap<FastifyRequest, string>();

export function requestAuthenticator(accessTokens: AccessTokens): Authenticate {
  return (request) => {
    const { identity, tokenId } = accessTokens.authenticate(
      request.headers.authorization,
      request.ip,
    );
    tokenOfRequest.set(request, tokenId);
    request.log.debug({ identityId: identity.id }, 'identity authenticated');
    return identity;
  };
}

/** The access token an authenticated request used (after `authenticate(request)`). */
export function accessTokenIdOf(request: FastifyRequest): string | undefined {
  return tokenOfRequest.get(request);
}
