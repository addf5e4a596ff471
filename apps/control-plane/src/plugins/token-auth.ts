import { tokenAuthConfig } from '@burrow/auth-methods';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authenticate, manageableIdentity } from '../app/authenticate.ts';
import { AccessTokenGrant, bearerAuth, errorResponses, Uuid } from '../app/common-schemas.ts';
import { badRequest } from '../app/http-error.ts';
import { PolicyFields, PolicyJson, policyJson } from './login-method-routes.ts';
import type { PluginOptions } from './plugin-options.ts';

/**
 * Token auth (Infisical's API):
 *   POST /api/v1/auth/token-auth/identities/:identityId          attach → {identityTokenAuth}
 *   POST /api/v1/auth/token-auth/identities/:identityId/tokens   {name?} → access token grant
 * The tokens are used directly as bearer tokens (INFISICAL_TOKEN).
 */
export const tokenAuthPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (
  app,
  { context },
) => {
  const params = Type.Object({ identityId: Uuid });

  app.post(
    '/api/v1/auth/token-auth/identities/:identityId',
    {
      schema: {
        tags: ['token-auth'],
        summary: 'Attach token auth to an identity',
        security: bearerAuth,
        params,
        body: PolicyFields,
        response: { 200: Type.Object({ identityTokenAuth: PolicyJson }), ...errorResponses },
      },
    },
    async (request) => {
      const caller = authenticate(context, request);
      const identity = manageableIdentity(context, caller, request.params.identityId);
      const stored = context.tokenAuth.attach(identity.id, tokenAuthConfig(request.body));
      if (!stored) throw badRequest('Token auth is already configured for this identity');
      request.log.info({ identityId: identity.id }, 'token auth attached');
      return { identityTokenAuth: policyJson(stored, stored) };
    },
  );

  app.post(
    '/api/v1/auth/token-auth/identities/:identityId/tokens',
    {
      schema: {
        tags: ['token-auth'],
        summary: 'Create an access token for the identity',
        security: bearerAuth,
        params,
        body: Type.Object({ name: Type.Optional(Type.String({ maxLength: 64 })) }),
        response: { 200: AccessTokenGrant, ...errorResponses },
      },
    },
    async (request) => {
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
  );
};
