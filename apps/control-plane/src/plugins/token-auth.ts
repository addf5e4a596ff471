import { tokenAuthConfig } from '@burrow/auth-methods';
import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authenticate, manageableIdentity } from '../app/authenticate.ts';
import { badRequest } from '../app/http-error.ts';
import { declaredRoute } from './declared-route.ts';
import { policyJson } from './login-method-routes.ts';
import type { PluginOptions } from './plugin-options.ts';

/**
 * Token auth (Infisical's API; contract: @burrow/platform-api routes/token-auth.ts): attach, and
 * create tokens that are used directly as bearer tokens (INFISICAL_TOKEN).
 */
export const tokenAuthPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (
  app,
  { context },
) => {
  app.route({
    ...declaredRoute(routes.attachTokenAuth),
    handler: async (request) => {
      const caller = authenticate(context, request);
      const identity = manageableIdentity(context, caller, request.params.identityId);
      const stored = context.tokenAuth.attach(identity.id, tokenAuthConfig(request.body));
      if (!stored) throw badRequest('Token auth is already configured for this identity');
      request.log.info({ identityId: identity.id }, 'token auth attached');
      return { identityTokenAuth: policyJson(stored, stored) };
    },
  });

  app.route({
    ...declaredRoute(routes.createTokenAuthToken),
    handler: async (request) => {
      const caller = authenticate(context, request);
      const identity = manageableIdentity(context, caller, request.params.identityId);
      const config = context.tokenAuth.getByIdentity(identity.id);
      if (!config) throw badRequest('Token auth is not configured for this identity');
      const grant = context.accessTokens.issue(identity.id, 'token-auth', config, {
        name: request.body.name,
      });
      request.log.info({ identityId: identity.id }, 'token auth token created');
      return grant;
    },
  });
};
