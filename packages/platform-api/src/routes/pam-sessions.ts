import { Type } from 'typebox';
import { defineRoute } from '../define-route.ts';
import { ErrorResponseRef, errorResponses, Uuid } from '../schemas/common.ts';
import { PamPolicyRulesJson, PamSessionJson } from '../schemas/pam.ts';

/**
 * PAM sessions:
 *   GET  /api/v1/pam/sessions/:sessionId/credentials (the gateway of the session only)
 *        → {credentials:{host, port, database, username, password, sslEnabled,
 *           sslRejectUnauthorized, sslCertificate?}, expiresAt, recording:{sessionKey, uploadToken,
 *           storageBackend, projectId, sessionId}}; 403 anyone else; 410 ended/expired
 *        ssh: credentials:{host, port, username, authMethod, password? | privateKey?
 *           (+ certificate?), hostKeys?, hostCertificateAuthorities?}, policyRules?:
 *           {"command-blocking"?:{patterns}, "session-log-masking"?:{patterns}}
 *        http: credentials:{url, authMethod:"basic"|"bearer"|"header", username?, password?,
 *           token?, headerName?, sslRejectUnauthorized, sslCertificate?}
 *        kubernetes: credentials:{url, authMethod:"service-account-token", serviceAccountToken,
 *           serviceAccountName?, sslRejectUnauthorized, sslCertificate?}
 *   the recording upload routes (event-batches, chunks): pam-session-recordings.ts
 *   POST /api/v1/pam/sessions/:sessionId/end (the session's gateway or user) → {session:{id,
 *        status:"ended", endedAt}}; idempotent. Body (Burrow, additive, the gateway only):
 *        {recordedEvents?, recordingProblem?} — readers are warned when fewer events arrived or
 *        the gateway found its local recording shortened
 *   GET  /api/v1/pam/sessions → {sessions:[…]}: every session (admin, auditor), a member's own
 *   GET  /api/v1/pam/sessions/:sessionId (admin, auditor, the session's own user)
 *        → {session:{…, events:[…]}} (the recording)
 */

const SessionParams = Type.Object({ sessionId: Uuid });

/** Longest recordingProblem a gateway may send when it ends a session. */
export const MAX_RECORDING_PROBLEM_CHARS = 4096;

/** The credentials of a postgres session (unchanged since the first release). */
export const PamPostgresCredentials = Type.Object({
  host: Type.String(),
  port: Type.Integer(),
  database: Type.String(),
  username: Type.String(),
  password: Type.String(),
  sslEnabled: Type.Boolean(),
  sslRejectUnauthorized: Type.Boolean(),
  sslCertificate: Type.Optional(Type.String()),
});

/**
 * The credentials of an ssh session (SSH-CONTRACT.md): the target, how to log in and how to
 * recognise it. `password` for authMethod password; `privateKey` (OpenSSH format) for public-key
 * and certificate; `certificate` (a user certificate of the organization's PAM SSH CA, principal
 * = username, valid from fetch time until at most the session's end) for certificate. At least
 * one of hostKeys / hostCertificateAuthorities is non-empty.
 */
export const PamSshCredentials = Type.Object({
  host: Type.String(),
  port: Type.Integer(),
  username: Type.String(),
  authMethod: Type.Union([
    Type.Literal('password'),
    Type.Literal('public-key'),
    Type.Literal('certificate'),
  ]),
  password: Type.Optional(Type.String()),
  privateKey: Type.Optional(Type.String()),
  certificate: Type.Optional(Type.String()),
  hostKeys: Type.Optional(Type.Array(Type.String())),
  hostCertificateAuthorities: Type.Optional(Type.Array(Type.String())),
});

/**
 * The credentials of an `http` session (a web application, issue 16): the application's origin and
 * the credential the gateway sets on every request: basic (username, password), bearer (token) or
 * header (headerName, token = its value). TLS to an https url is verified unless
 * sslRejectUnauthorized is false; sslCertificate = its trust anchors (PEM).
 */
export const PamHttpCredentials = Type.Object({
  url: Type.String(),
  authMethod: Type.Union([Type.Literal('basic'), Type.Literal('bearer'), Type.Literal('header')]),
  username: Type.Optional(Type.String()),
  password: Type.Optional(Type.String()),
  token: Type.Optional(Type.String()),
  headerName: Type.Optional(Type.String()),
  sslRejectUnauthorized: Type.Boolean(),
  sslCertificate: Type.Optional(Type.String()),
});

/**
 * The credentials of a `kubernetes` session (reference §8.2/§8.3 field names): the API server's
 * origin and the service-account token the gateway sets as `Authorization: Bearer`.
 */
export const PamKubernetesCredentials = Type.Object({
  url: Type.String(),
  authMethod: Type.Literal('service-account-token'),
  serviceAccountToken: Type.String(),
  serviceAccountName: Type.Optional(Type.String()),
  sslRejectUnauthorized: Type.Boolean(),
  sslCertificate: Type.Optional(Type.String()),
});

export const PamSessionCredentials = Type.Object({
  /**
   * Shaped by the session's resource type: postgres, ssh, http or kubernetes (the reference's one
   * flat object).
   */
  credentials: Type.Union([
    PamPostgresCredentials,
    PamSshCredentials,
    PamHttpCredentials,
    PamKubernetesCredentials,
  ]),
  /** The account's policy rules (reference §8.2; ssh accounts), absent when it has none. */
  policyRules: Type.Optional(PamPolicyRulesJson),
  expiresAt: Type.String(),
  /** The session's recording secrets (reference §8.2): what the chunk upload needs. */
  recording: Type.Optional(
    Type.Object({
      /** base64 of the session's 32-byte AES-256 recording key. */
      sessionKey: Type.String(),
      /** Sent back as the x-gateway-upload-token header of every chunk upload. */
      uploadToken: Type.String(),
      /** `postgres` (chunks inline; Burrow's) or `aws-s3` (a reference platform's object storage). */
      storageBackend: Type.String(),
      projectId: Type.String(),
      sessionId: Type.String(),
    }),
  ),
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

export const endPamSession = defineRoute({
  method: 'POST',
  path: '/api/v1/pam/sessions/:sessionId/end',
  auth: 'identity',
  tags: ['pam'],
  summary:
    'End a session (its user, its gateway or an admin) and close it at the gateway; idempotent',
  params: SessionParams,
  body: Type.Object({
    /**
     * Burrow (additive): the session's gateway says how many events it recorded, once all of
     * them are uploaded; readers are told when fewer arrived (records lost or cut off the end).
     */
    recordedEvents: Type.Optional(Type.Integer({ minimum: 0 })),
    /**
     * Burrow (additive): the session's gateway says why the uploaded recording is shorter than
     * what it recorded (a local record failed verification, or the end of an ended recording was
     * cut off); readers are warned with it. The first one sent is kept.
     */
    recordingProblem: Type.Optional(
      Type.String({ minLength: 1, maxLength: MAX_RECORDING_PROBLEM_CHARS }),
    ),
  }),
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
        /**
         * What is known missing from the recording, each naming the first gap (e.g. a chunk that
         * never arrived); empty when nothing is. Shown to readers next to the events.
         */
        recordingProblems: Type.Optional(Type.Array(Type.String())),
      }),
    }),
    ...errorResponses,
  },
});
