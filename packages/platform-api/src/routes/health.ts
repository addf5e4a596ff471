import { Type } from 'typebox';
import { defineRoute } from '../define-route.ts';

/**
 * `GET /healthz`: the process is alive. `GET /readyz`: it can serve (the database answers).
 */
export const healthz = defineRoute({
  method: 'GET',
  path: '/healthz',
  auth: 'none',
  tags: ['health'],
  summary: 'Liveness',
  response: { 200: Type.Object({ status: Type.Literal('ok') }) },
});

export const readyz = defineRoute({
  method: 'GET',
  path: '/readyz',
  auth: 'none',
  tags: ['health'],
  summary: 'Readiness: the database answers',
  response: {
    200: Type.Object({ status: Type.Literal('ready') }),
    503: Type.Object({ status: Type.Literal('unavailable'), reason: Type.String() }),
  },
});
