import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticate } from '../app/authenticate.ts';
import type { ControlPlaneContext } from '../app/control-plane-context.ts';
import { badRequest, forbidden, notFound } from '../app/http-error.ts';
import { isoTime } from '../app/iso-time.ts';
import type { Identity } from '../stores/identity-store.ts';
import { sessionStatus, type PamSession } from '../stores/pam-session-store.ts';
import { declaredRoute } from './declared-route.ts';
import type { PluginOptions } from './plugin-options.ts';

/**
 * PAM sessions (contract: @burrow/platform-api routes/pam-sessions.ts): the session's credentials
 * (its gateway only; 410 once ended/expired), event batches from the gateway (idempotent by
 * index; 409 with acknowledgedEvents on a gap), end (its gateway or user; idempotent), list and
 * read with events (members).
 */

/** An event batch may be larger than ordinary bodies: the uploader sends up to ~512 KiB. */
const EVENT_BATCH_BODY_LIMIT = 8 * 1024 * 1024;

function sessionJson(session: PamSession, now = Date.now()) {
  return {
    id: session.id,
    accountPath: session.accountPath,
    resourceType: session.resourceType,
    status: sessionStatus(session, now),
    reason: session.reason,
    identityId: session.identityId,
    gatewayId: session.gatewayId,
    createdAt: isoTime(session.createdAt) as string,
    endedAt: isoTime(session.endedAt),
    expiresAt: isoTime(session.expiresAt) as string,
    eventCount: session.eventCount,
  };
}

/** The session, if it belongs to the caller's organization. */
function sessionOfOrg(context: ControlPlaneContext, caller: Identity, id: string): PamSession {
  const session = context.pam.sessions.get(id);
  if (!session || session.orgId !== caller.orgId) throw notFound(`PAM session ${id} not found`);
  return session;
}

/** True when the caller is the identity of the gateway the session runs through. */
function isSessionGateway(context: ControlPlaneContext, caller: Identity, session: PamSession) {
  const gateway = context.gateways.get(session.gatewayId);
  return gateway !== undefined && gateway.identityId === caller.id;
}

/** Answers with an ErrorResponse plus extra fields (the error handler knows no 410 and no extras). */
function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  statusCode: number,
  error: string,
  message: string,
  extra: Record<string, unknown> = {},
) {
  request.log.info({ statusCode, reason: message }, 'request refused');
  return reply.code(statusCode).send({ reqId: request.id, statusCode, error, message, ...extra });
}

export const pamSessionsPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (
  app,
  { context },
) => {
  // The reference gateway posts event batches as application/octet-stream holding JSON. This
  // parser only applies inside this plugin.
  app.addContentTypeParser(
    'application/octet-stream',
    { parseAs: 'buffer', bodyLimit: EVENT_BATCH_BODY_LIMIT },
    (_request, body, done) => {
      try {
        done(null, JSON.parse((body as Buffer).toString('utf8')) as unknown);
      } catch (error) {
        done(badRequest(`Request body is not valid JSON: ${(error as Error).message}`), undefined);
      }
    },
  );

  app.route({
    ...declaredRoute(routes.pamSessionCredentials),
    handler: async (request, reply) => {
      const caller = authenticate(context, request);
      const session = sessionOfOrg(context, caller, request.params.sessionId);
      if (!isSessionGateway(context, caller, session)) {
        throw forbidden('Only the gateway of this session may read its credentials');
      }
      const status = sessionStatus(session);
      if (status !== 'active') {
        return sendError(request, reply, 410, 'Gone', `PAM session ${session.id} has ${status}`);
      }
      const account = context.pam.accounts.get(session.accountId);
      const resource = account && context.pam.resources.get(account.resourceId);
      const password = account && context.pam.accounts.password(account.id);
      if (!account || !resource || password === undefined) {
        throw notFound(`The account of PAM session ${session.id} no longer exists`);
      }
      const details = resource.connectionDetails;
      request.log.info(
        { sessionId: session.id, gatewayId: session.gatewayId },
        'PAM session credentials handed to the gateway',
      );
      return {
        credentials: {
          host: details.host,
          port: details.port,
          database: details.database,
          username: account.username,
          password,
          sslEnabled: details.sslEnabled ?? false,
          sslRejectUnauthorized: details.sslRejectUnauthorized ?? true,
          ...(details.sslCertificate ? { sslCertificate: details.sslCertificate } : {}),
        },
        expiresAt: isoTime(session.expiresAt) as string,
      };
    },
  });

  app.route({
    ...declaredRoute(routes.uploadPamSessionEvents),
    bodyLimit: EVENT_BATCH_BODY_LIMIT,
    handler: async (request, reply) => {
      const caller = authenticate(context, request);
      const session = sessionOfOrg(context, caller, request.params.sessionId);
      if (!isSessionGateway(context, caller, session)) {
        throw forbidden('Only the gateway of this session may upload its events');
      }
      const { startOffset } = request.query;
      const result = context.pam.sessions.appendEvents(session.id, startOffset, request.body);
      if (!result.ok) {
        return sendError(
          request,
          reply,
          409,
          'Conflict',
          `startOffset ${startOffset} is after the ${result.acknowledgedEvents} events stored`,
          { acknowledgedEvents: result.acknowledgedEvents },
        );
      }
      request.log.info(
        {
          sessionId: session.id,
          startOffset,
          events: request.body.length,
          acknowledgedEvents: result.acknowledgedEvents,
        },
        'PAM session events stored',
      );
      return { acknowledgedEvents: result.acknowledgedEvents };
    },
  });

  app.route({
    ...declaredRoute(routes.endPamSession),
    handler: async (request) => {
      const caller = authenticate(context, request);
      const session = sessionOfOrg(context, caller, request.params.sessionId);
      if (session.identityId !== caller.id && !isSessionGateway(context, caller, session)) {
        throw forbidden('Only the session’s user or gateway may end it');
      }
      const ended = context.pam.sessions.end(session.id) as PamSession;
      if (session.endedAt === null) {
        request.log.info({ sessionId: session.id, identityId: caller.id }, 'PAM session ended');
      }
      return {
        session: {
          id: ended.id,
          status: 'ended' as const,
          endedAt: isoTime(ended.endedAt) as string,
        },
      };
    },
  });

  app.route({
    ...declaredRoute(routes.listPamSessions),
    handler: async (request) => {
      const caller = authenticate(context, request);
      const now = Date.now();
      return {
        sessions: context.pam.sessions.list(caller.orgId).map((s) => sessionJson(s, now)),
      };
    },
  });

  app.route({
    ...declaredRoute(routes.getPamSession),
    handler: async (request) => {
      const caller = authenticate(context, request);
      const session = sessionOfOrg(context, caller, request.params.sessionId);
      return {
        session: { ...sessionJson(session), events: context.pam.sessions.events(session.id) },
      };
    },
  });
};
