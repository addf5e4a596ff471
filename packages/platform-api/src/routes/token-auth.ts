import { Type } from 'typebox';
import { defineRoute } from '../define-route.ts';
import { PolicyFields, PolicyJson } from '../schemas/access-token-policy.ts';
import { AccessTokenGrant, errorResponses, Uuid } from '../schemas/common.ts';

/**
 * Token auth (Infisical's API):
 *   POST /api/v1/auth/token-auth/identities/:identityId          attach → {identityTokenAuth}
 *   POST /api/v1/auth/token-auth/identities/:identityId/tokens   {name?} → access token grant
 * The tokens are used directly as bearer tokens (INFISICAL_TOKEN).
 */
const IdentityParams = Type.Object({ identityId: Uuid });

export const attachTokenAuth = defineRoute({
  method: 'POST',
  path: '/api/v1/auth/token-auth/identities/:identityId',
  auth: 'identity',
  tags: ['token-auth'],
  summary: 'Attach token auth to an identity',
  params: IdentityParams,
  body: PolicyFields,
  response: { 200: Type.Object({ identityTokenAuth: PolicyJson }), ...errorResponses },
});

export const createTokenAuthToken = defineRoute({
  method: 'POST',
  path: '/api/v1/auth/token-auth/identities/:identityId/tokens',
  auth: 'identity',
  tags: ['token-auth'],
  summary: 'Create an access token for the identity',
  params: IdentityParams,
  body: Type.Object({ name: Type.Optional(Type.String({ maxLength: 64 })) }),
  response: { 200: AccessTokenGrant, ...errorResponses },
});
