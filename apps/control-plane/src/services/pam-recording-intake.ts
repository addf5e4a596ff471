import { timingSafeEqual } from 'node:crypto';
import type { RouteBody, routes } from '@burrow/platform-api';
import { RecordingChunkError, openChunk } from '@burrow/session-recorder';
import { ForbiddenError, InvalidRequestError, NotFoundError } from '../domain/errors.ts';
import { authorize } from '../domain/permissions.ts';
import type { GatewayStore } from '../stores/gateway-store.ts';
import type { Identity } from '../stores/identity-store.ts';
import type { PamRecordingStore } from '../stores/pam-recording-store.ts';
import type { PamSession, PamSessionStore } from '../stores/pam-session-store.ts';

/**
 * The recording uploads of a session's gateway, in the reference's two protocols (contract in
 * @burrow/platform-api routes/pam-session-recordings.ts): chunks sealed with the session's
 * recording key, checked (size, SHA-256, AES-GCM tag bound to session and index) before they are
 * stored, and event batches by byte offset. Both idempotent; replays keep the first upload.
 *
 * @example
 *   intake.chunk(gatewayIdentity, sessionId, uploadToken, body);
 */

/** The storage backend Burrow offers: chunks inline in the database, as the reference's. */
export const RECORDING_STORAGE_BACKEND = 'postgres';

/** The chunk body of the route. */
export type ChunkUpload = RouteBody<typeof routes.recordPamSessionChunk>;

/** What a session's gateway gets to upload with (credentials answer `recording`). */
export interface RecordingSecretsJson {
  sessionKey: string;
  uploadToken: string;
  storageBackend: typeof RECORDING_STORAGE_BACKEND;
  projectId: string;
  sessionId: string;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export class PamRecordingIntake {
  readonly #sessions: PamSessionStore;
  readonly #recordings: PamRecordingStore;
  readonly #gateways: GatewayStore;

  constructor(deps: {
    sessions: PamSessionStore;
    recordings: PamRecordingStore;
    gateways: GatewayStore;
  }) {
    this.#sessions = deps.sessions;
    this.#recordings = deps.recordings;
    this.#gateways = deps.gateways;
  }

  /** The session's recording secrets for its gateway (made on the first credentials fetch). */
  secretsFor(session: PamSession): RecordingSecretsJson {
    const secrets = this.#recordings.secrets(session.id);
    return {
      sessionKey: secrets.key.toString('base64'),
      uploadToken: secrets.uploadToken,
      storageBackend: RECORDING_STORAGE_BACKEND,
      projectId: session.orgId,
      sessionId: session.id,
    };
  }

  /** Checks and stores one chunk. */
  chunk(
    caller: Identity,
    sessionId: string,
    uploadToken: string | undefined,
    upload: ChunkUpload,
  ): { session: PamSession; stored: 'stored' | 'replay'; events: number } {
    const session = this.#gatewaySession(caller, sessionId);
    const secrets = this.#recordings.existingSecrets(session.id);
    if (!uploadToken) {
      throw new InvalidRequestError(
        'Missing x-gateway-upload-token header: required for chunk upload',
      );
    }
    if (!secrets || !sameToken(uploadToken, secrets.uploadToken)) {
      throw new InvalidRequestError('Invalid upload token for this session');
    }
    if (!BASE64.test(upload.ciphertextSha256) || !BASE64.test(upload.iv)) {
      throw new InvalidRequestError('Invalid base64 in chunk metadata');
    }
    if (upload.ciphertext === undefined) {
      throw new InvalidRequestError(
        'The postgres storage backend requires the ciphertext bytes to be POSTed inline',
      );
    }
    if (!BASE64.test(upload.ciphertext)) {
      throw new InvalidRequestError('ciphertext must be valid base64');
    }
    let events: unknown[];
    try {
      events = openChunk(
        secrets.key,
        {
          projectId: session.orgId,
          sessionId: session.id,
          chunkIndex: upload.chunkIndex,
          storageBackend: RECORDING_STORAGE_BACKEND,
        },
        {
          iv: Buffer.from(upload.iv, 'base64'),
          ciphertext: Buffer.from(upload.ciphertext, 'base64'),
          sha256: Buffer.from(upload.ciphertextSha256, 'base64'),
          bytes: upload.ciphertextBytes,
        },
      );
    } catch (error) {
      if (error instanceof RecordingChunkError) throw new InvalidRequestError(error.message);
      throw error;
    }
    const stored = this.#recordings.addChunk({
      sessionId: session.id,
      chunkIndex: upload.chunkIndex,
      startElapsedMs: upload.startElapsedMs,
      endElapsedMs: upload.endElapsedMs,
      iv: Buffer.from(upload.iv, 'base64'),
      ciphertextSha256: Buffer.from(upload.ciphertextSha256, 'base64'),
      ciphertextBytes: upload.ciphertextBytes,
      events,
    });
    return { session, stored, events: events.length };
  }

  /** Stores an event batch by the byte offset of its first record; answers the stored count. */
  eventBatch(
    caller: Identity,
    sessionId: string,
    startOffset: number,
    events: unknown[],
  ): { session: PamSession; stored: 'stored' | 'replay'; acknowledgedEvents: number } {
    const session = this.#gatewaySession(caller, sessionId);
    const stored = this.#recordings.addEventBatch(session.id, startOffset, events);
    return { session, stored, acknowledgedEvents: this.#recordings.eventCount(session.id) };
  }

  /** Object storage is not offered (the reference answers the same for its postgres backend). */
  presignedPut(caller: Identity, sessionId: string): never {
    this.#gatewaySession(caller, sessionId);
    throw new InvalidRequestError(
      'Project is not configured for object-storage recordings. Gateway should POST ciphertext to /chunks instead.',
    );
  }

  #gatewaySession(caller: Identity, sessionId: string): PamSession {
    authorize(caller, 'pam.sessions.serve');
    const session = this.#sessions.get(sessionId);
    if (!session || session.orgId !== caller.orgId) {
      throw new NotFoundError(`PAM session ${sessionId} not found`);
    }
    const gateway = this.#gateways.get(session.gatewayId);
    if (!gateway || gateway.identityId !== caller.id) {
      throw new ForbiddenError('Only the gateway of this session may upload its recording');
    }
    return session;
  }
}

function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
