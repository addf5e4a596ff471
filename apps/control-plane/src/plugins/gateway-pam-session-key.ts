import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authenticate } from '../app/authenticate.ts';
import { notFound } from '../app/http-error.ts';
import { declaredRoute } from './declared-route.ts';
import type { PluginOptions } from './plugin-options.ts';

/**
 * The gateway's recording key (reference §8.4; contract: @burrow/platform-api
 * routes.gatewayPamSessionKey): raw 32 bytes, application/octet-stream, for the calling gateway's
 * identity; created once per gateway, sealed at rest.
 */
export const gatewayPamSessionKeyPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (
  app,
  { context },
) => {
  app.route({
    ...declaredRoute(routes.gatewayPamSessionKey),
    handler: async (request, reply) => {
      const caller = authenticate(context, request);
      const gateway = context.gateways.findByIdentity(caller.id);
      if (!gateway || gateway.deletedAt !== null) {
        throw notFound('No gateway is registered for this identity');
      }
      const key = context.pam.sessionKeys.getOrCreate(gateway.id);
      request.log.info({ gatewayId: gateway.id }, 'PAM session key handed out');
      return reply.header('cache-control', 'no-store').type('application/octet-stream').send(key);
    },
  });
};
