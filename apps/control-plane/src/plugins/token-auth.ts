import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { TokenAuthService } from '../services/token-auth-service.ts';
import type { Authenticate } from './authenticate.ts';
import { declaredRoute } from './declared-route.ts';
import { policyJson } from './login-method-routes.ts';

/**
 * Token auth (Infisical's API; contract: @burrow/platform-api routes/token-auth.ts): attach, and
 * create tokens that are used directly as bearer tokens (INFISICAL_TOKEN).
 */
export interface TokenAuthOptions {
  authenticate: Authenticate;
  tokenAuth: TokenAuthService;
}

export const tokenAuthPlugin: FastifyPluginAsyncTypebox<TokenAuthOptions> = async (
  app,
  { authenticate, tokenAuth },
) => {
  app.route({
    ...declaredRoute(routes.attachTokenAuth),
    handler: async (request) => {
      const caller = authenticate(request);
      const stored = tokenAuth.attach(caller, request.params.identityId, request.body);
      request.log.info({ identityId: stored.identityId }, 'token auth attached');
      return { identityTokenAuth: policyJson(stored, stored) };
    },
  });

  app.route({
    ...declaredRoute(routes.createTokenAuthToken),
    handler: async (request) => {
      const caller = authenticate(request);
      const { identityId, grant } = tokenAuth.createToken(
        caller,
        request.params.identityId,
        request.body.name,
      );
      request.log.info({ identityId }, 'token auth token created');
      return grant;
    },
  });
};
