import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { InvalidRequestError } from '../domain/errors.ts';
import { GATEWAY_UPLOAD_TOKEN_HEADER } from '@burrow/platform-api';
import type { PamRecordingIntake } from '../services/pam-recording-intake.ts';
import type { PamSessionService } from '../services/pam-session-service.ts';
import type { Revocation } from '../services/revocation.ts';
import { sessionStatus } from '../domain/pam-session-status.ts';
import type { PamSession } from '../stores/pam-session-store.ts';
import type { Authenticate } from './authenticate.ts';
import { declaredRoute } from './declared-route.ts';
import { isoTime } from './iso-time.ts';

/**
 * PAM sessions (contract: @burrow/platform-api routes/pam-sessions.ts): the session's credentials
 * (its gateway only; 410 once ended/expired), event batches from the gateway (idempotent by
 * index; 409 with acknowledgedEvents on a gap), end (its gateway, its user or an admin; closed at
 * the gateway within seconds, revocation.ts; idempotent), list and
 * read with events (members).
 */

/**
 * An event batch may be larger than ordinary bodies: the uploader sends up to ~512 KiB, but a
 * batch always holds at least one event, and one event can be a recording's largest record
 * (@burrow/session-recorder MAX_RECORD_BODY_BYTES, 64 MiB).
 */
const EVENT_BATCH_BODY_LIMIT = 64 * 1024 * 1024;

/** A chunk carries its ciphertext inline as base64: the same bound, a third larger. */
const CHUNK_BODY_LIMIT = 86 * 1024 * 1024;

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

export const pamSessionsPlugin: FastifyPluginAsyncTypebox<{
  authenticate: Authenticate;
  sessions: PamSessionService;
  revocation: Revocation;
  recordings: PamRecordingIntake;
}> = async (app, { authenticate, sessions, revocation, recordings }) => {
  // The reference gateway posts event batches as application/octet-stream holding JSON. This
  // parser only applies inside this plugin.
  app.addContentTypeParser(
    'application/octet-stream',
    { parseAs: 'buffer', bodyLimit: EVENT_BATCH_BODY_LIMIT },
    (_request, body, done) => {
      try {
        done(null, JSON.parse((body as Buffer).toString('utf8')) as unknown);
      } catch (error) {
        done(
          new InvalidRequestError(`Request body is not valid JSON: ${(error as Error).message}`),
          undefined,
        );
      }
    },
  );

  app.route({
    ...declaredRoute(routes.pamSessionCredentials),
    handler: async (request) => {
      const { session, credentials, policyRules } = sessions.credentials(
        authenticate(request),
        request.params.sessionId,
      );
      request.log.info(
        { sessionId: session.id, gatewayId: session.gatewayId, resourceType: session.resourceType },
        'PAM session credentials handed to the gateway',
      );
      return {
        credentials,
        ...(policyRules ? { policyRules } : {}),
        expiresAt: isoTime(session.expiresAt) as string,
        recording: recordings.secretsFor(session),
      };
    },
  });

  app.route({
    ...declaredRoute(routes.uploadPamSessionEvents),
    bodyLimit: EVENT_BATCH_BODY_LIMIT,
    handler: async (request) => {
      const { startOffset } = request.query;
      const { session, stored, acknowledgedEvents } = recordings.eventBatch(
        authenticate(request),
        request.params.sessionId,
        startOffset,
        request.body,
      );
      request.log.info(
        {
          sessionId: session.id,
          startOffset,
          events: request.body.length,
          stored,
          acknowledgedEvents,
        },
        'PAM session event batch received',
      );
      return { acknowledgedEvents };
    },
  });

  app.route({
    ...declaredRoute(routes.recordPamSessionChunk),
    bodyLimit: CHUNK_BODY_LIMIT,
    handler: async (request) => {
      const header = request.headers[GATEWAY_UPLOAD_TOKEN_HEADER];
      const { session, stored, events } = recordings.chunk(
        authenticate(request),
        request.params.sessionId,
        typeof header === 'string' ? header : undefined,
        request.body,
      );
      request.log.info(
        { sessionId: session.id, chunkIndex: request.body.chunkIndex, events, stored },
        'PAM session recording chunk received',
      );
      return { ok: true as const, storageBackend: 'postgres' };
    },
  });

  app.route({
    ...declaredRoute(routes.requestPamSessionChunkPresignedPut),
    handler: async (request) =>
      recordings.presignedPut(authenticate(request), request.params.sessionId),
  });

  app.route({
    ...declaredRoute(routes.endPamSession),
    handler: async (request) => {
      const caller = authenticate(request);
      const { session, endedNow, byGateway } = sessions.end(
        caller,
        request.params.sessionId,
        // The reference's clients may post no body at all.
        (request.body as { recordedEvents?: number; recordingProblem?: string } | undefined) ?? {},
      );
      if (endedNow) {
        request.log.info({ sessionId: session.id, identityId: caller.id }, 'PAM session ended');
        // Its gateway closed it already when it is the one asking.
        if (!byGateway) await revocation.sessionEnded(session, request.log);
      }
      return {
        session: {
          id: session.id,
          status: 'ended' as const,
          endedAt: isoTime(session.endedAt) as string,
        },
      };
    },
  });

  app.route({
    ...declaredRoute(routes.listPamSessions),
    handler: async (request) => {
      const now = Date.now();
      return {
        sessions: sessions.list(authenticate(request)).map((s) => sessionJson(s, now)),
      };
    },
  });

  app.route({
    ...declaredRoute(routes.getPamSession),
    handler: async (request) => {
      const { session, events, recordingProblems } = sessions.get(
        authenticate(request),
        request.params.sessionId,
      );
      return { session: { ...sessionJson(session), events, recordingProblems } };
    },
  });
};
