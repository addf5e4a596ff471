import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AccessTokenGrant, errorResponses } from '../app/common-schemas.ts';
import type { PluginOptions } from './plugin-options.ts';

/**
 * Any access token, whatever method issued it (reference §7):
 *   POST /api/v1/auth/token/renew  {accessToken} → grant with the new expiresIn (same token)
 *   POST /api/v1/auth/token/revoke {accessToken} → {message}
 * A revoked, expired or max-TTL-exhausted token answers 401.
 */
const Body = Type.Object({ accessToken: Type.String({ minLength: 1, maxLength: 512 }) });

export const accessTokensPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (
  app,
  { context },
) => {
  app.post(
    '/api/v1/auth/token/renew',
    {
      schema: {
        tags: ['access-tokens'],
        summary: 'Renew an access token',
        body: Body,
        response: { 200: AccessTokenGrant, ...errorResponses },
      },
    },
    async (request) => context.accessTokens.renew(request.body.accessToken),
  );

  app.post(
    '/api/v1/auth/token/revoke',
    {
      schema: {
        tags: ['access-tokens'],
        summary: 'Revoke an access token',
        body: Body,
        response: { 200: Type.Object({ message: Type.String() }), ...errorResponses },
      },
    },
    async (request) => {
      context.accessTokens.revoke(request.body.accessToken);
      request.log.info('access token revoked');
      return { message: 'Successfully revoked access token' };
    },
  );
};
