import {
  AuthError,
  createClientSecret,
  universalAuthConfig,
  verifyClientSecretLogin,
  type ClientSecretRecord,
} from '@burrow/auth-methods';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authenticate, manageableIdentity } from '../app/authenticate.ts';
import {
  AccessTokenGrant,
  bearerAuth,
  errorResponses,
  isoTime,
  TrustedIp,
  Ttl,
  Uuid,
} from '../app/common-schemas.ts';
import { badRequest } from '../app/http-error.ts';
import type { StoredUniversalAuth } from '../stores/universal-auth-store.ts';
import { policyJson } from './login-method-routes.ts';
import type { PluginOptions } from './plugin-options.ts';

/**
 * Universal auth (reference §7, Infisical's API):
 *   POST /api/v1/auth/universal-auth/identities/:identityId                 attach → {identityUniversalAuth}
 *   GET  /api/v1/auth/universal-auth/identities/:identityId                 → {identityUniversalAuth}
 *   POST /api/v1/auth/universal-auth/identities/:identityId/client-secrets  → {clientSecret, clientSecretData}
 *   POST /api/v1/auth/universal-auth/login  {clientId, clientSecret}        → access token grant
 * Client secrets are shown once and stored as digests.
 */
const IdentityUniversalAuth = Type.Object({
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

const ClientSecretData = Type.Object({
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

const AttachBody = Type.Object({
  accessTokenTTL: Type.Optional(Ttl),
  accessTokenMaxTTL: Type.Optional(Ttl),
  accessTokenNumUsesLimit: Type.Optional(Type.Integer({ minimum: 0 })),
  clientSecretTrustedIps: Type.Optional(Type.Array(TrustedIp, { minItems: 1, maxItems: 100 })),
  accessTokenTrustedIps: Type.Optional(Type.Array(TrustedIp, { minItems: 1, maxItems: 100 })),
});

/** Serialized in IdentityUniversalAuth's property order. */
function configJson(config: StoredUniversalAuth) {
  return {
    ...policyJson(config, config),
    clientId: config.clientId,
    clientSecretTrustedIps: config.clientSecretTrustedIps,
  };
}

function secretJson(identityId: string, record: ClientSecretRecord) {
  return {
    id: record.id,
    identityId,
    description: record.description,
    clientSecretPrefix: record.clientSecretPrefix,
    clientSecretTTL: record.clientSecretTTL,
    clientSecretNumUses: record.clientSecretNumUses,
    clientSecretNumUsesLimit: record.clientSecretNumUsesLimit,
    isClientSecretRevoked: record.isClientSecretRevoked,
    createdAt: isoTime(record.createdAt) as string,
  };
}

export const universalAuthPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (
  app,
  { context },
) => {
  const params = Type.Object({ identityId: Uuid });

  app.post(
    '/api/v1/auth/universal-auth/identities/:identityId',
    {
      schema: {
        tags: ['universal-auth'],
        summary: 'Attach universal auth to an identity',
        security: bearerAuth,
        params,
        body: AttachBody,
        response: {
          200: Type.Object({ identityUniversalAuth: IdentityUniversalAuth }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const caller = authenticate(context, request);
      const identity = manageableIdentity(context, caller, request.params.identityId);
      const stored = context.universalAuth.attach(identity.id, universalAuthConfig(request.body));
      if (!stored) throw badRequest('Universal auth is already configured for this identity');
      request.log.info({ identityId: identity.id }, 'universal auth attached');
      return { identityUniversalAuth: configJson(stored) };
    },
  );

  app.get(
    '/api/v1/auth/universal-auth/identities/:identityId',
    {
      schema: {
        tags: ['universal-auth'],
        summary: "Read an identity's universal auth configuration",
        security: bearerAuth,
        params,
        response: {
          200: Type.Object({ identityUniversalAuth: IdentityUniversalAuth }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const caller = authenticate(context, request);
      const identity = manageableIdentity(context, caller, request.params.identityId);
      const stored = context.universalAuth.getByIdentity(identity.id);
      if (!stored) throw badRequest('Universal auth is not configured for this identity');
      return { identityUniversalAuth: configJson(stored) };
    },
  );

  app.post(
    '/api/v1/auth/universal-auth/identities/:identityId/client-secrets',
    {
      schema: {
        tags: ['universal-auth'],
        summary: 'Create a client secret (shown once)',
        security: bearerAuth,
        params,
        body: Type.Object({
          description: Type.Optional(Type.String({ maxLength: 256 })),
          ttl: Type.Optional(Ttl),
          numUsesLimit: Type.Optional(Type.Integer({ minimum: 0 })),
        }),
        response: {
          200: Type.Object({ clientSecret: Type.String(), clientSecretData: ClientSecretData }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const caller = authenticate(context, request);
      const identity = manageableIdentity(context, caller, request.params.identityId);
      if (!context.universalAuth.getByIdentity(identity.id)) {
        throw badRequest('Universal auth is not configured for this identity');
      }
      const { clientSecret, record } = createClientSecret({ now: Date.now(), ...request.body });
      context.universalAuth.addSecret(identity.id, record);
      request.log.info(
        { identityId: identity.id, clientSecretId: record.id },
        'client secret created',
      );
      return { clientSecret, clientSecretData: secretJson(identity.id, record) };
    },
  );

  app.post(
    '/api/v1/auth/universal-auth/login',
    {
      schema: {
        tags: ['universal-auth'],
        summary: 'Log in with a client ID and client secret',
        body: Type.Object({
          clientId: Type.String({ minLength: 1, maxLength: 128 }),
          clientSecret: Type.String({ minLength: 1, maxLength: 256 }),
          organizationSlug: Type.Optional(Type.String()),
        }),
        response: { 200: AccessTokenGrant, ...errorResponses },
      },
    },
    async (request) => {
      const now = Date.now();
      const config = context.universalAuth.getByClientId(request.body.clientId);
      if (!config) throw new AuthError('INVALID_CREDENTIALS', 'invalid client ID or client secret');
      const secret = verifyClientSecretLogin(
        config,
        context.universalAuth.secrets(config.identityId),
        {
          clientSecret: request.body.clientSecret,
          clientIp: request.ip,
          now,
        },
      );
      if (!context.universalAuth.countSecretUse(secret.id)) {
        throw new AuthError('INVALID_CREDENTIALS', 'invalid client ID or client secret');
      }
      const grant = context.accessTokens.issue(config.identityId, 'universal-auth', config, {
        clientSecretId: secret.id,
      });
      request.log.info({ identityId: config.identityId }, 'universal auth login');
      return grant;
    },
  );
};
