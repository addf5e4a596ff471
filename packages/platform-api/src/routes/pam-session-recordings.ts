import { Type } from 'typebox';
import { defineRoute } from '../define-route.ts';
import { errorResponses, Uuid } from '../schemas/common.ts';

/**
 * How a gateway uploads a PAM session's recording — the reference's two protocols (reference
 * §8.4), both served, both idempotent. Only the session's gateway may call them.
 *
 * Chunks (what Burrow's gateway and current reference gateways use):
 *   recording secrets come with the session's credentials (GET …/credentials → `recording`):
 *     sessionKey (base64, 32 bytes), uploadToken, storageBackend ("postgres"), projectId (Burrow:
 *     the organization ID), sessionId
 *   chunk plaintext = JSON array of the events of consecutive records of the local file
 *   chunk          = AES-256-GCM(plaintext) under sessionKey, 12-byte random IV,
 *                    AAD = SHA-256("<projectId>|<sessionId>|<chunkIndex>|<storageBackend>|v1")
 *   chunkIndex     = 0, 1, 2, … per session, never reused
 *   POST /api/v1/pam/sessions/:sessionId/chunks        header x-gateway-upload-token: <uploadToken>
 *     {chunkIndex, startElapsedMs, endElapsedMs, ciphertextSha256: b64, ciphertextBytes,
 *      iv: b64, ciphertext: b64 (inline: the "postgres" storage backend), keyframeObjectKey?,
 *      keyframeSizeBytes?}                               → {ok: true, storageBackend}
 *     a chunkIndex already stored: 200, the first one kept (replay; as the reference)
 *     a chunkIndex after a missing one: 200, stored (as the reference); readers report the gap
 *     Burrow also refuses (400) a chunk whose SHA-256, size or AES-GCM tag does not check out:
 *     it was changed, or it belongs to another session or another position
 *   POST /api/v1/pam/sessions/:sessionId/chunks/presigned-put  (object storage)
 *     → 400: Burrow stores chunks inline, as the reference's "postgres" backend
 *
 * Event batches (reference gateways without recording secrets):
 *   POST /api/v1/pam/sessions/:sessionId/event-batches?startOffset=<n>
 *     body: JSON array of events (application/json or application/octet-stream)
 *     startOffset = byte offset in the gateway's local .enc file of the batch's first record
 *     → {acknowledgedEvents: <events stored for the session>}; always 200 for a well-formed
 *       batch (as the reference): a startOffset already stored keeps the first batch (replay);
 *       batches are read back in startOffset order
 */

/** Events per batch; the reference's uploader sends at most 512 KiB of them. */
export const MAX_EVENTS_PER_BATCH = 100_000;

/** The reference's chunk index bound. */
export const MAX_CHUNK_INDEX = 999_999;

/** The header that carries the session's upload token. */
export const GATEWAY_UPLOAD_TOKEN_HEADER = 'x-gateway-upload-token';

const SessionParams = Type.Object({ sessionId: Uuid });

export const uploadPamSessionEvents = defineRoute({
  method: 'POST',
  path: '/api/v1/pam/sessions/:sessionId/event-batches',
  auth: 'identity',
  tags: ['pam'],
  summary:
    'Store recorded events of a session starting at byte startOffset of its file (idempotent)',
  params: SessionParams,
  querystring: Type.Object({ startOffset: Type.Integer({ minimum: 0 }) }),
  body: Type.Array(Type.Record(Type.String(), Type.Unknown()), {
    maxItems: MAX_EVENTS_PER_BATCH,
  }),
  response: {
    200: Type.Object({ acknowledgedEvents: Type.Integer() }),
    ...errorResponses,
  },
});

export const recordPamSessionChunk = defineRoute({
  method: 'POST',
  path: '/api/v1/pam/sessions/:sessionId/chunks',
  auth: 'identity',
  tags: ['pam'],
  summary: 'Store one encrypted recording chunk of a session (x-gateway-upload-token; idempotent)',
  params: SessionParams,
  body: Type.Object({
    chunkIndex: Type.Integer({ minimum: 0, maximum: MAX_CHUNK_INDEX }),
    startElapsedMs: Type.Number(),
    endElapsedMs: Type.Number(),
    ciphertextSha256: Type.String(),
    ciphertextBytes: Type.Integer({ minimum: 1 }),
    iv: Type.String(),
    ciphertext: Type.Optional(Type.String()),
    keyframeObjectKey: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    keyframeSizeBytes: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
  }),
  response: {
    200: Type.Object({ ok: Type.Literal(true), storageBackend: Type.String() }),
    ...errorResponses,
  },
});

export const requestPamSessionChunkPresignedPut = defineRoute({
  method: 'POST',
  path: '/api/v1/pam/sessions/:sessionId/chunks/presigned-put',
  auth: 'identity',
  tags: ['pam'],
  summary: 'Object-storage upload URL for a chunk: Burrow stores chunks inline, so always 400',
  params: SessionParams,
  body: Type.Object({
    chunkIndex: Type.Integer({ minimum: 0, maximum: MAX_CHUNK_INDEX }),
    ciphertextBytes: Type.Integer({ minimum: 1 }),
    isKeyframe: Type.Optional(Type.Boolean()),
  }),
  response: { ...errorResponses },
});
