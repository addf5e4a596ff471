import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authenticate } from '../app/authenticate.ts';
import { requireAdmin } from '../app/authorization.ts';
import { bearerAuth, errorResponses, isoTime, Uuid } from '../app/common-schemas.ts';
import { HttpError, notFound } from '../app/http-error.ts';
import { PamConnectionDetailsJson, PamName, PamResourceJson } from '../app/pam-schemas.ts';
import type { PamResource } from '../stores/pam-resource-store.ts';
import type { PluginOptions } from './plugin-options.ts';

/**
 * PAM resources (docs/pam-contract.md):
 *   POST /api/v1/pam/resources (admin)
 *        {name, resourceType:"postgres", gatewayId, connectionDetails:{host, port, database,
 *         sslEnabled?, sslRejectUnauthorized?, sslCertificate?}} → {resource}
 *   GET  /api/v1/pam/resources (member) → {resources:[…]}
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
  app.post(
    '/api/v1/pam/resources',
    {
      schema: {
        tags: ['pam'],
        summary: 'Create a PAM resource: a target reached through a gateway',
        security: bearerAuth,
        body: Type.Object({
          name: PamName,
          resourceType: Type.Literal('postgres'),
          gatewayId: Uuid,
          connectionDetails: PamConnectionDetailsJson,
        }),
        response: {
          200: Type.Object({ resource: PamResourceJson }),
          409: Type.Ref('ErrorResponse'),
          ...errorResponses,
        },
      },
    },
    async (request) => {
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
  );

  app.get(
    '/api/v1/pam/resources',
    {
      schema: {
        tags: ['pam'],
        summary: 'PAM resources of the caller’s organization',
        security: bearerAuth,
        response: {
          200: Type.Object({ resources: Type.Array(PamResourceJson) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const caller = authenticate(context, request);
      return { resources: context.pam.resources.list(caller.orgId).map(pamResourceJson) };
    },
  );
};
