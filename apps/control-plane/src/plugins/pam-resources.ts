import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { PamCatalog } from '../services/pam-catalog.ts';
import type { PamResource } from '../stores/pam-resource-store.ts';
import type { Authenticate } from './authenticate.ts';
import { declaredRoute } from './declared-route.ts';
import { isoTime } from './iso-time.ts';

/**
 * PAM resources (contract: @burrow/platform-api routes/pam-resources.ts): create (admin; settings
 * checked against the type: domain/pam-connection-details.ts), replace its settings and delete
 * one without accounts (admin), list (admin, auditor).
 */
export function pamResourceJson(resource: PamResource) {
  return {
    id: resource.id,
    name: resource.name,
    resourceType: resource.resourceType,
    gatewayId: resource.gatewayId,
    connectionDetails: resource.connectionDetails,
    createdAt: isoTime(resource.createdAt) as string,
  };
}

export const pamResourcesPlugin: FastifyPluginAsyncTypebox<{
  authenticate: Authenticate;
  catalog: PamCatalog;
}> = async (app, { authenticate, catalog }) => {
  app.route({
    ...declaredRoute(routes.createPamResource),
    handler: async (request) => {
      const resource = await catalog.createResource(authenticate(request), request.body);
      request.log.info(
        {
          resourceId: resource.id,
          resourceName: resource.name,
          resourceType: resource.resourceType,
          gatewayId: resource.gatewayId,
        },
        'PAM resource created',
      );
      return { resource: pamResourceJson(resource) };
    },
  });

  app.route({
    ...declaredRoute(routes.updatePamResource),
    handler: async (request) => {
      const resource = await catalog.updateResource(
        authenticate(request),
        request.params.resourceId,
        request.body,
      );
      request.log.info({ resourceId: resource.id }, 'PAM resource settings replaced');
      return { resource: pamResourceJson(resource) };
    },
  });

  app.route({
    ...declaredRoute(routes.deletePamResource),
    handler: async (request) => {
      const resource = catalog.deleteResource(authenticate(request), request.params.resourceId);
      request.log.info(
        { resourceId: resource.id, resourceName: resource.name },
        'PAM resource deleted',
      );
      return { resource: pamResourceJson(resource) };
    },
  });

  app.route({
    ...declaredRoute(routes.listPamResources),
    handler: async (request) => ({
      resources: catalog.listResources(authenticate(request)).map(pamResourceJson),
    }),
  });
};
