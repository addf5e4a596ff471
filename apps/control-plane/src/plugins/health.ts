import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { PluginOptions } from './plugin-options.ts';

/**
 * `GET /healthz`: the process is alive. `GET /readyz`: it can serve (the database answers).
 */
export const healthPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (app, { context }) => {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
      logLevel: 'warn',
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: the database answers',
        response: {
          200: Type.Object({ status: Type.Literal('ready') }),
          503: Type.Object({ status: Type.Literal('unavailable'), reason: Type.String() }),
        },
      },
      logLevel: 'warn',
    },
    async (_request, reply) => {
      try {
        context.db.prepare('SELECT 1').get();
        return { status: 'ready' as const };
      } catch (error) {
        return reply
          .code(503)
          .send({ status: 'unavailable' as const, reason: (error as Error).message });
      }
    },
  );
};
