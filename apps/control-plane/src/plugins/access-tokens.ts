import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AccessTokens } from '../services/access-tokens.ts';
import type { Revocation } from '../services/revocation.ts';
import { declaredRoute } from './declared-route.ts';

/**
 * Any access token, whatever method issued it (reference §7; contract: @burrow/platform-api
 * routes/access-tokens.ts): renew (same token, new expiresIn) and revoke. A revoked, expired or
 * max-TTL-exhausted token answers 401; revoking a token also ends the PAM sessions it opened
 * (revocation.ts).
 */
export const accessTokensPlugin: FastifyPluginAsyncTypebox<{
  accessTokens: AccessTokens;
  revocation: Revocation;
}> = async (app, { accessTokens, revocation }) => {
  app.route({
    ...declaredRoute(routes.renewAccessToken),
    handler: async (request) => accessTokens.renew(request.body.accessToken, request.ip),
  });

  app.route({
    ...declaredRoute(routes.revokeAccessToken),
    handler: async (request) => {
      const tokenId = accessTokens.revoke(request.body.accessToken);
      request.log.info({ tokenId }, 'access token revoked');
      await revocation.tokenRevoked(tokenId, request.log);
      return { message: 'Successfully revoked access token' };
    },
  });
};
