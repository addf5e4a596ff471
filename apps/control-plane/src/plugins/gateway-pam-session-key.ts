import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { GatewayService } from '../services/gateway-service.ts';
import type { Authenticate } from './authenticate.ts';
import { declaredRoute } from './declared-route.ts';

/**
 * The gateway's recording key (reference §8.4; contract: @burrow/platform-api
 * routes.gatewayPamSessionKey): raw 32 bytes, application/octet-stream, for the calling gateway's
 * identity; created once per gateway, sealed at rest.
 */
export const gatewayPamSessionKeyPlugin: FastifyPluginAsyncTypebox<{
  authenticate: Authenticate;
  gateways: GatewayService;
}> = async (app, { authenticate, gateways }) => {
  app.route({
    ...declaredRoute(routes.gatewayPamSessionKey),
    handler: async (request, reply) => {
      const { gateway, key } = gateways.pamSessionKey(authenticate(request));
      request.log.info({ gatewayId: gateway.id }, 'PAM session key handed out');
      return reply.header('cache-control', 'no-store').type('application/octet-stream').send(key);
    },
  });
};
