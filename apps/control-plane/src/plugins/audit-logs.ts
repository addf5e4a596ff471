import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AuditLog } from '../services/audit-log.ts';
import type { Authenticate } from './authenticate.ts';
import { declaredRoute } from './declared-route.ts';
import { isoTime } from './iso-time.ts';

/** The audit log (contract: @burrow/platform-api routes/audit-logs.ts): admins and auditors read it. */
export const auditLogsPlugin: FastifyPluginAsyncTypebox<{
  authenticate: Authenticate;
  audit: AuditLog;
}> = async (app, { authenticate, audit }) => {
  app.route({
    ...declaredRoute(routes.listAuditLogs),
    handler: async (request) => ({
      auditLogs: audit.list(authenticate(request), request.query).map((event) => ({
        id: event.id,
        eventType: event.eventType,
        actor: event.actor,
        resourceType: event.resourceType,
        resourceId: event.resourceId,
        resourceName: event.resourceName,
        outcome: event.outcome,
        details: event.details,
        createdAt: isoTime(event.createdAt) as string,
      })),
    }),
  });
};
