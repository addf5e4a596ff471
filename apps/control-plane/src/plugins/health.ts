import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { declaredRoute } from './declared-route.ts';
import type { PluginOptions } from './plugin-options.ts';

/**
 * `GET /healthz`: the process is alive. `GET /readyz`: it can serve (the database answers).
 */
export const healthPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (app, { context }) => {
  app.route({
    ...declaredRoute(routes.healthz),
    logLevel: 'warn',
    handler: async () => ({ status: 'ok' as const }),
  });

  app.route({
    ...declaredRoute(routes.readyz),
    logLevel: 'warn',
    handler: async (_request, reply) => {
      try {
        context.db.prepare('SELECT 1').get();
        return { status: 'ready' as const };
      } catch (error) {
        return reply
          .code(503)
          .send({ status: 'unavailable' as const, reason: (error as Error).message });
      }
    },
  });
};
