import {
  AuthError,
  createClientSecret,
  universalAuthConfig,
  verifyClientSecretLogin,
  type ClientSecretRecord,
} from '@burrow/auth-methods';
import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authenticate, manageableIdentity } from '../app/authenticate.ts';
import { badRequest } from '../app/http-error.ts';
import { isoTime } from '../app/iso-time.ts';
import type { StoredUniversalAuth } from '../stores/universal-auth-store.ts';
import { declaredRoute } from './declared-route.ts';
import { policyJson } from './login-method-routes.ts';
import type { PluginOptions } from './plugin-options.ts';

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

export const universalAuthPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (
  app,
  { context },
) => {
  app.route({
    ...declaredRoute(routes.attachUniversalAuth),
    handler: async (request) => {
      const caller = authenticate(context, request);
      const identity = manageableIdentity(context, caller, request.params.identityId);
      const stored = context.universalAuth.attach(identity.id, universalAuthConfig(request.body));
      if (!stored) throw badRequest('Universal auth is already configured for this identity');
      request.log.info({ identityId: identity.id }, 'universal auth attached');
      return { identityUniversalAuth: configJson(stored) };
    },
  });

  app.route({
    ...declaredRoute(routes.getUniversalAuth),
    handler: async (request) => {
      const caller = authenticate(context, request);
      const identity = manageableIdentity(context, caller, request.params.identityId);
      const stored = context.universalAuth.getByIdentity(identity.id);
      if (!stored) throw badRequest('Universal auth is not configured for this identity');
      return { identityUniversalAuth: configJson(stored) };
    },
  });

  app.route({
    ...declaredRoute(routes.createUniversalAuthClientSecret),
    handler: async (request) => {
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
  });

  app.route({
    ...declaredRoute(routes.universalAuthLogin),
    handler: async (request) => {
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
  });
};
