import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AccessTokens } from '../services/access-tokens.ts';
import { declaredRoute } from './declared-route.ts';

/**
 * Any access token, whatever method issued it (reference §7; contract: @burrow/platform-api
 * routes/access-tokens.ts): renew (same token, new expiresIn) and revoke. A revoked, expired or
 * max-TTL-exhausted token answers 401.
 */
export const accessTokensPlugin: FastifyPluginAsyncTypebox<{ accessTokens: AccessTokens }> = async (
  app,
  { accessTokens },
) => {
  app.route({
    ...declaredRoute(routes.renewAccessToken),
    handler: async (request) => accessTokens.renew(request.body.accessToken, request.ip),
  });

  app.route({
    ...declaredRoute(routes.revokeAccessToken),
    handler: async (request) => {
      accessTokens.revoke(request.body.accessToken);
      request.log.info('access token revoked');
      return { message: 'Successfully revoked access token' };
    },
  });
};
