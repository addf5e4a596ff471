import type { ClientSecretRecord } from '@burrow/auth-methods';
import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { UniversalAuthService } from '../services/universal-auth-service.ts';
import type { StoredUniversalAuth } from '../stores/universal-auth-store.ts';
import type { Revocation } from '../services/revocation.ts';
import type { Authenticate } from './authenticate.ts';
import { declaredRoute } from './declared-route.ts';
import { isoTime } from './iso-time.ts';
import { policyJson } from './login-method-routes.ts';

/**
 * Universal auth (reference §7, Infisical's API; contract: @burrow/platform-api
 * routes/universal-auth.ts): attach, read, create a client secret, log in. Client secrets are
 * shown once and stored as digests.
 */
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

export interface UniversalAuthOptions {
  authenticate: Authenticate;
  universalAuth: UniversalAuthService;
  revocation: Revocation;
}

export const universalAuthPlugin: FastifyPluginAsyncTypebox<UniversalAuthOptions> = async (
  app,
  { authenticate, universalAuth, revocation },
) => {
  app.route({
    ...declaredRoute(routes.attachUniversalAuth),
    handler: async (request) => {
      const caller = authenticate(request);
      const stored = universalAuth.attach(caller, request.params.identityId, request.body);
      request.log.info({ identityId: stored.identityId }, 'universal auth attached');
      return { identityUniversalAuth: configJson(stored) };
    },
  });

  app.route({
    ...declaredRoute(routes.getUniversalAuth),
    handler: async (request) => {
      const caller = authenticate(request);
      return {
        identityUniversalAuth: configJson(universalAuth.get(caller, request.params.identityId)),
      };
    },
  });

  app.route({
    ...declaredRoute(routes.createUniversalAuthClientSecret),
    handler: async (request) => {
      const caller = authenticate(request);
      const { identityId, clientSecret, record } = universalAuth.createClientSecret(
        caller,
        request.params.identityId,
        request.body,
      );
      request.log.info({ identityId, clientSecretId: record.id }, 'client secret created');
      return { clientSecret, clientSecretData: secretJson(identityId, record) };
    },
  });

  app.route({
    ...declaredRoute(routes.revokeUniversalAuthClientSecret),
    handler: async (request) => {
      const { identityId, clientSecretId } = request.params;
      const record = await revocation.revokeClientSecret(
        authenticate(request),
        identityId,
        clientSecretId,
        request.log,
      );
      request.log.info({ identityId, clientSecretId }, 'client secret revoked');
      return { clientSecretData: secretJson(identityId, record) };
    },
  });

  app.route({
    ...declaredRoute(routes.universalAuthLogin),
    handler: async (request) => {
      const { identityId, grant } = universalAuth.login(request.body, request.ip);
      request.log.info({ identityId }, 'universal auth login');
      return grant;
    },
  });
};
