import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authenticate } from '../app/authenticate.ts';
import { requireAdmin } from '../app/authorization.ts';
import { HttpError, notFound } from '../app/http-error.ts';
import { isoTime } from '../app/iso-time.ts';
import type { PamResource } from '../stores/pam-resource-store.ts';
import { declaredRoute } from './declared-route.ts';
import type { PluginOptions } from './plugin-options.ts';

/**
 * PAM resources (contract: @burrow/platform-api routes/pam-resources.ts): create (admin), list
 * (member).
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

export const pamResourcesPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (
  app,
  { context },
) => {
  app.route({
    ...declaredRoute(routes.createPamResource),
    handler: async (request) => {
      const caller = authenticate(context, request);
      requireAdmin(caller);
      const { name, resourceType, gatewayId, connectionDetails } = request.body;
      const gateway = context.gateways.get(gatewayId);
      if (!gateway || gateway.orgId !== caller.orgId || gateway.deletedAt !== null) {
        throw notFound(`Gateway ${gatewayId} not found`);
      }
      if (context.pam.resources.findByName(caller.orgId, name)) {
        throw new HttpError(409, `PAM resource ${name} already exists`);
      }
      const resource = context.pam.resources.create({
        orgId: caller.orgId,
        name,
        resourceType,
        gatewayId,
        connectionDetails,
      });
      request.log.info(
        { resourceId: resource.id, resourceName: name, gatewayId },
        'PAM resource created',
      );
      return { resource: pamResourceJson(resource) };
    },
  });

  app.route({
    ...declaredRoute(routes.listPamResources),
    handler: async (request) => {
      const caller = authenticate(context, request);
      return { resources: context.pam.resources.list(caller.orgId).map(pamResourceJson) };
    },
  });
};
