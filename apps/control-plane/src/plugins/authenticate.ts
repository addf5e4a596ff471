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

export function requestAuthenticator(accessTokens: AccessTokens): Authenticate {
  return (request) => {
    const { identity } = accessTokens.authenticate(request.headers.authorization, request.ip);
    request.log.debug({ identityId: identity.id }, 'identity authenticated');
    return identity;
  };
}
