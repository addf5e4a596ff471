import { Type } from 'typebox';
import { defineRoute } from '../define-route.ts';
import { AccessTokenGrant, errorResponses, TrustedIp, Ttl, Uuid } from '../schemas/common.ts';

/**
 * Universal auth (reference §7, Infisical's API):
 *   POST /api/v1/auth/universal-auth/identities/:identityId                 attach → {identityUniversalAuth}
 *   GET  /api/v1/auth/universal-auth/identities/:identityId                 → {identityUniversalAuth}
 *   POST /api/v1/auth/universal-auth/identities/:identityId/client-secrets  → {clientSecret, clientSecretData}
 *   POST /api/v1/auth/universal-auth/identities/:identityId/client-secrets/:clientSecretId/revoke
 *        → {clientSecretData}  (admin; the secret and the access tokens it issued stop working)
 *   POST /api/v1/auth/universal-auth/login  {clientId, clientSecret}        → access token grant
 * Client secrets are shown once and stored as digests.
 */
export const IdentityUniversalAuth = Type.Object({
  id: Type.String(),
  identityId: Type.String(),
  clientId: Type.String(),
  accessTokenTTL: Type.Integer(),
  accessTokenMaxTTL: Type.Integer(),
  accessTokenNumUsesLimit: Type.Integer(),
  clientSecretTrustedIps: Type.Array(TrustedIp),
  accessTokenTrustedIps: Type.Array(TrustedIp),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const ClientSecretData = Type.Object({
  id: Type.String(),
  identityId: Type.String(),
  description: Type.String(),
  clientSecretPrefix: Type.String(),
  clientSecretTTL: Type.Integer(),
  clientSecretNumUses: Type.Integer(),
  clientSecretNumUsesLimit: Type.Integer(),
  isClientSecretRevoked: Type.Boolean(),
  createdAt: Type.String(),
});

const IdentityParams = Type.Object({ identityId: Uuid });

const UniversalAuthAnswer = Type.Object({ identityUniversalAuth: IdentityUniversalAuth });

export const attachUniversalAuth = defineRoute({
  method: 'POST',
  path: '/api/v1/auth/universal-auth/identities/:identityId',
  auth: 'identity',
  tags: ['universal-auth'],
  summary: 'Attach universal auth to an identity',
  params: IdentityParams,
  body: Type.Object({
    accessTokenTTL: Type.Optional(Ttl),
    accessTokenMaxTTL: Type.Optional(Ttl),
    accessTokenNumUsesLimit: Type.Optional(Type.Integer({ minimum: 0 })),
    clientSecretTrustedIps: Type.Optional(Type.Array(TrustedIp, { minItems: 1, maxItems: 100 })),
    accessTokenTrustedIps: Type.Optional(Type.Array(TrustedIp, { minItems: 1, maxItems: 100 })),
  }),
  response: { 200: UniversalAuthAnswer, ...errorResponses },
});

export const getUniversalAuth = defineRoute({
  method: 'GET',
  path: '/api/v1/auth/universal-auth/identities/:identityId',
  auth: 'identity',
  tags: ['universal-auth'],
  summary: "Read an identity's universal auth configuration",
  params: IdentityParams,
  response: { 200: UniversalAuthAnswer, ...errorResponses },
});

export const createUniversalAuthClientSecret = defineRoute({
  method: 'POST',
  path: '/api/v1/auth/universal-auth/identities/:identityId/client-secrets',
  auth: 'identity',
  tags: ['universal-auth'],
  summary: 'Create a client secret (shown once)',
  params: IdentityParams,
  body: Type.Object({
    description: Type.Optional(Type.String({ maxLength: 256 })),
    ttl: Type.Optional(Ttl),
    numUsesLimit: Type.Optional(Type.Integer({ minimum: 0 })),
  }),
  response: {
    200: Type.Object({ clientSecret: Type.String(), clientSecretData: ClientSecretData }),
    ...errorResponses,
  },
});

export const revokeUniversalAuthClientSecret = defineRoute({
  method: 'POST',
  path: '/api/v1/auth/universal-auth/identities/:identityId/client-secrets/:clientSecretId/revoke',
  auth: 'identity',
  tags: ['universal-auth'],
  summary: 'Revoke a client secret and the access tokens it issued',
  params: Type.Object({ identityId: Uuid, clientSecretId: Uuid }),
  response: { 200: Type.Object({ clientSecretData: ClientSecretData }), ...errorResponses },
});

export const universalAuthLogin = defineRoute({
  method: 'POST',
  path: '/api/v1/auth/universal-auth/login',
  auth: 'none',
  tags: ['universal-auth'],
  summary: 'Log in with a client ID and client secret',
  body: Type.Object({
    clientId: Type.String({ minLength: 1, maxLength: 128 }),
    clientSecret: Type.String({ minLength: 1, maxLength: 256 }),
    organizationSlug: Type.Optional(Type.String()),
  }),
  response: { 200: AccessTokenGrant, ...errorResponses },
});
