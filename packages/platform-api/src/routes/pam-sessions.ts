import { Type } from 'typebox';
import { defineRoute } from '../define-route.ts';
import { ErrorResponseRef, errorResponses, Uuid } from '../schemas/common.ts';
import { PamSessionJson } from '../schemas/pam.ts';

/**
 * PAM sessions:
 *   GET  /api/v1/pam/sessions/:sessionId/credentials (the gateway of the session only)
 *        → {credentials:{host, port, database, username, password, sslEnabled,
 *           sslRejectUnauthorized, sslCertificate?}, expiresAt}; 403 anyone else; 410 ended/expired
 *   POST /api/v1/pam/sessions/:sessionId/event-batches?startOffset=N (the session's gateway)
 *        body: JSON array of events (application/json or application/octet-stream);
 *        startOffset = index of the batch's first event; indexes already stored are ignored
 *        → {acknowledgedEvents: <total stored>}; 409 {…, acknowledgedEvents} on a gap
 *   POST /api/v1/pam/sessions/:sessionId/end (the session's gateway or user) → {session:{id,
 *        status:"ended", endedAt}}; idempotent
 *   GET  /api/v1/pam/sessions → {sessions:[…]}: every session (admin, auditor), a member's own
 *   GET  /api/v1/pam/sessions/:sessionId (admin, auditor, the session's own user)
 *        → {session:{…, events:[…]}} (the recording)
 */

/** Events per batch; the gateway's uploader sends at most 1000. */
export const MAX_EVENTS_PER_BATCH = 10_000;

const SessionParams = Type.Object({ sessionId: Uuid });

export const PamSessionCredentials = Type.Object({
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
});

export const pamSessionCredentials = defineRoute({
  method: 'GET',
  path: '/api/v1/pam/sessions/:sessionId/credentials',
  auth: 'identity',
  tags: ['pam'],
  summary: 'The account credentials of a live session, for the session’s gateway only',
  params: SessionParams,
  response: {
    200: PamSessionCredentials,
    410: ErrorResponseRef,
    ...errorResponses,
  },
});

export const uploadPamSessionEvents = defineRoute({
  method: 'POST',
  path: '/api/v1/pam/sessions/:sessionId/event-batches',
  auth: 'identity',
  tags: ['pam'],
  summary: 'Store recorded events of a session from index startOffset on (idempotent)',
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
});

export const endPamSession = defineRoute({
  method: 'POST',
  path: '/api/v1/pam/sessions/:sessionId/end',
  auth: 'identity',
  tags: ['pam'],
  summary:
    'End a session (its user, its gateway or an admin) and close it at the gateway; idempotent',
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
});

export const listPamSessions = defineRoute({
  method: 'GET',
  path: '/api/v1/pam/sessions',
  auth: 'identity',
  tags: ['pam'],
  summary: 'PAM sessions of the caller’s organization, newest first',
  response: { 200: Type.Object({ sessions: Type.Array(PamSessionJson) }), ...errorResponses },
});

export const getPamSession = defineRoute({
  method: 'GET',
  path: '/api/v1/pam/sessions/:sessionId',
  auth: 'identity',
  tags: ['pam'],
  summary: 'A PAM session with its recorded events',
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
});
