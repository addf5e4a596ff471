import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { DynamicSecretService } from '../services/dynamic-secret-service.ts';
import type { Authenticate } from './authenticate.ts';
import { declaredRoute } from './declared-route.ts';
import { dynamicSecretJson, grantJson } from './dynamic-secret-json.ts';

/**
 * Dynamic secrets and their grants (contract: @burrow/platform-api routes/dynamic-secrets.ts).
 * Creating or changing one tests its statements through the gateway before it is saved.
 */
export const dynamicSecretsPlugin: FastifyPluginAsyncTypebox<{
  authenticate: Authenticate;
  secrets: DynamicSecretService;
}> = async (app, { authenticate, secrets }) => {
  app.route({
    ...declaredRoute(routes.createDynamicSecret),
    handler: async (request) => {
      const secret = await secrets.create(authenticate(request), request.body);
      request.log.info(
        { dynamicSecretId: secret.id, name: secret.name, gatewayId: secret.gatewayId },
        'dynamic secret created (statements tested through the gateway)',
      );
      return { dynamicSecret: dynamicSecretJson(secret) };
    },
  });

  app.route({
    ...declaredRoute(routes.listDynamicSecrets),
    handler: async (request) => ({
      dynamicSecrets: secrets.list(authenticate(request)).map(dynamicSecretJson),
    }),
  });

  app.route({
    ...declaredRoute(routes.getDynamicSecret),
    handler: async (request) => ({
      dynamicSecret: dynamicSecretJson(secrets.get(authenticate(request), request.params.name)),
    }),
  });

  app.route({
    ...declaredRoute(routes.updateDynamicSecret),
    handler: async (request) => {
      const secret = await secrets.update(
        authenticate(request),
        request.params.name,
        request.body.data,
      );
      request.log.info({ dynamicSecretId: secret.id, name: secret.name }, 'dynamic secret changed');
      return { dynamicSecret: dynamicSecretJson(secret) };
    },
  });

  app.route({
    ...declaredRoute(routes.deleteDynamicSecret),
    handler: async (request) => {
      const secret = secrets.delete(authenticate(request), request.params.name);
      request.log.info({ dynamicSecretId: secret.id, name: secret.name }, 'dynamic secret deleted');
      return { dynamicSecret: dynamicSecretJson(secret) };
    },
  });

  app.route({
    ...declaredRoute(routes.createDynamicSecretGrant),
    handler: async (request) => {
      const { grant, secret } = secrets.grant(
        authenticate(request),
        request.params.name,
        request.body.identityId,
      );
      request.log.info(
        { grantId: grant.id, dynamicSecretId: secret.id, identityId: grant.identityId },
        'dynamic secret granted',
      );
      return { grant: grantJson(grant, secret) };
    },
  });

  app.route({
    ...declaredRoute(routes.listDynamicSecretGrants),
    handler: async (request) => {
      const { grants, secret } = secrets.listGrants(authenticate(request), request.params.name);
      return { grants: grants.map((grant) => grantJson(grant, secret)) };
    },
  });

  app.route({
    ...declaredRoute(routes.deleteDynamicSecretGrant),
    handler: async (request) => {
      const { grant, secret } = secrets.revokeGrant(
        authenticate(request),
        request.params.name,
        request.params.grantId,
      );
      request.log.info(
        { grantId: grant.id, dynamicSecretId: secret.id },
        'dynamic secret grant deleted',
      );
      return { grant: grantJson(grant, secret) };
    },
  });
};
