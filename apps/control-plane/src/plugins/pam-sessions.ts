import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticate } from '../app/authenticate.ts';
import { bearerAuth, errorResponses, isoTime, Uuid } from '../app/common-schemas.ts';
import type { ControlPlaneContext } from '../app/control-plane-context.ts';
import { badRequest, forbidden, notFound } from '../app/http-error.ts';
import { PamSessionJson } from '../app/pam-schemas.ts';
import type { Identity } from '../stores/identity-store.ts';
import { sessionStatus, type PamSession } from '../stores/pam-session-store.ts';
import type { PluginOptions } from './plugin-options.ts';

/**
 * PAM sessions (docs/pam-contract.md):
 *   GET  /api/v1/pam/sessions/:sessionId/credentials (the gateway of the session only)
 *        → {credentials:{host, port, database, username, password, sslEnabled,
 *           sslRejectUnauthorized, sslCertificate?}, expiresAt}; 403 anyone else; 410 ended/expired
 *   POST /api/v1/pam/sessions/:sessionId/event-batches?startOffset=N (the session's gateway)
 *        body: JSON array of events (application/json or application/octet-stream);
 *        startOffset = index of the batch's first event; indexes already stored are ignored
 *        → {acknowledgedEvents: <total stored>}; 409 {…, acknowledgedEvents} on a gap
 *   POST /api/v1/pam/sessions/:sessionId/end (the session's gateway or user) → {session:{id,
 *        status:"ended", endedAt}}; idempotent
 *   GET  /api/v1/pam/sessions (member) → {sessions:[…]}
 *   GET  /api/v1/pam/sessions/:sessionId (member) → {session:{…, events:[…]}}
 */

/** An event batch may be larger than ordinary bodies: the uploader sends up to ~512 KiB. */
const EVENT_BATCH_BODY_LIMIT = 8 * 1024 * 1024;

/** Events per batch; the uploader sends at most 1000. */
const MAX_EVENTS_PER_BATCH = 10_000;

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

const SessionParams = Type.Object({ sessionId: Uuid });

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

  app.get(
    '/api/v1/pam/sessions/:sessionId/credentials',
    {
      schema: {
        tags: ['pam'],
        summary: 'The account credentials of a live session, for the session’s gateway only',
        security: bearerAuth,
        params: SessionParams,
        response: {
          200: Type.Object({
            credentials: Type.Object({
              host: Type.String(),
              port: Type.Integer(),
              database: Type.String(),
              username: Type.String(),
              password: Type.String(),
              sslEnabled: Type.Boolean(),
              sslRejectUnauthorized: Type.Boolean(),
              sslCertificate: Type.Optional(Type.String()),
            }),
            expiresAt: Type.String(),
          }),
          410: Type.Ref('ErrorResponse'),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
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
  );

  app.post(
    '/api/v1/pam/sessions/:sessionId/event-batches',
    {
      bodyLimit: EVENT_BATCH_BODY_LIMIT,
      schema: {
        tags: ['pam'],
        summary: 'Store recorded events of a session from index startOffset on (idempotent)',
        security: bearerAuth,
        params: SessionParams,
        querystring: Type.Object({ startOffset: Type.Integer({ minimum: 0 }) }),
        body: Type.Array(Type.Record(Type.String(), Type.Unknown()), {
          maxItems: MAX_EVENTS_PER_BATCH,
        }),
        response: {
          200: Type.Object({ acknowledgedEvents: Type.Integer() }),
          409: Type.Object({
            reqId: Type.String(),
            statusCode: Type.Integer(),
            error: Type.String(),
            message: Type.String(),
            acknowledgedEvents: Type.Integer(),
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
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
  );

  app.post(
    '/api/v1/pam/sessions/:sessionId/end',
    {
      schema: {
        tags: ['pam'],
        summary: 'End a session (its gateway or its user); idempotent',
        security: bearerAuth,
        params: SessionParams,
        body: Type.Object({}),
        response: {
          200: Type.Object({
            session: Type.Object({
              id: Type.String(),
              status: Type.Literal('ended'),
              endedAt: Type.String(),
            }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
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
  );

  app.get(
    '/api/v1/pam/sessions',
    {
      schema: {
        tags: ['pam'],
        summary: 'PAM sessions of the caller’s organization, newest first',
        security: bearerAuth,
        response: { 200: Type.Object({ sessions: Type.Array(PamSessionJson) }), ...errorResponses },
      },
    },
    async (request) => {
      const caller = authenticate(context, request);
      const now = Date.now();
      return {
        sessions: context.pam.sessions.list(caller.orgId).map((s) => sessionJson(s, now)),
      };
    },
  );

  app.get(
    '/api/v1/pam/sessions/:sessionId',
    {
      schema: {
        tags: ['pam'],
        summary: 'A PAM session with its recorded events',
        security: bearerAuth,
        params: SessionParams,
        response: {
          200: Type.Object({
            session: Type.Object({
              ...PamSessionJson.properties,
              events: Type.Array(Type.Unknown()),
            }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const caller = authenticate(context, request);
      const session = sessionOfOrg(context, caller, request.params.sessionId);
      return {
        session: { ...sessionJson(session), events: context.pam.sessions.events(session.id) },
      };
    },
  );
};
