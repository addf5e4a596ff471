import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authenticate } from '../app/authenticate.ts';
import { bearerAuth, errorResponses } from '../app/common-schemas.ts';
import { notFound } from '../app/http-error.ts';
import type { PluginOptions } from './plugin-options.ts';

/**
 * The gateway's recording key (docs/pam-contract.md, reference §8.4):
 *   GET /api/v2/gateways/pam-session-key (the gateway's identity)
 *       → raw 32 bytes, application/octet-stream; created once per gateway, sealed at rest.
 */
export const gatewayPamSessionKeyPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (
  app,
  { context },
) => {
  app.get(
    '/api/v2/gateways/pam-session-key',
    {
      schema: {
        tags: ['gateways'],
        summary: 'The calling gateway’s key for its local PAM recordings (32 raw bytes)',
        security: bearerAuth,
        response: { ...errorResponses },
      },
    },
    async (request, reply) => {
      const caller = authenticate(context, request);
      const gateway = context.gateways.findByIdentity(caller.id);
      if (!gateway || gateway.deletedAt !== null) {
        throw notFound('No gateway is registered for this identity');
      }
      const key = context.pam.sessionKeys.getOrCreate(gateway.id);
      request.log.info({ gatewayId: gateway.id }, 'PAM session key handed out');
      return reply.header('cache-control', 'no-store').type('application/octet-stream').send(key);
    },
  );
};
