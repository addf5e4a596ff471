import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { declaredRoute } from './declared-route.ts';

/**
 * `GET /healthz`: the process is alive. `GET /readyz`: it can serve (the database answers).
 */
export interface HealthOptions {
  /** Throws when the database does not answer. */
  checkDatabase(): void;
}

export const healthPlugin: FastifyPluginAsyncTypebox<HealthOptions> = async (
  app,
  { checkDatabase },
) => {
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
        checkDatabase();
        return { status: 'ready' as const };
      } catch (error) {
        return reply
          .code(503)
          .send({ status: 'unavailable' as const, reason: (error as Error).message });
      }
    },
  });
};
