import { randomBytes } from 'node:crypto';
import type { RouteBody, routes } from '@burrow/platform-api';

/**
 * A control plane's PAM recording intake, in memory, as the recording contract describes it:
 *
 *   secrets   each session's key and upload token (made on first use)
 *   chunk     POST …/recording-chunks: the upload token must be the session's; the sealed chunk
 *             is opened with the session's key, bound to (project, session, index), and stored
 *             once per index (a repeated index is acknowledged, not stored again)
 *   batch     POST …/event-batches: stored once per byte offset
 *   events    what a reader gets: batches by offset, then chunks by index
 *
 * The opening is passed in (`@burrow/session-recorder`'s openChunk), so this package depends on
 * no recorder. Used by the gateway's fake PAM control plane and the session recorder's uploader
 * test, which checked the same contract each with its own copy.
 *
 * @example
 *   const intake = new FakeRecordingIntake(openChunk);
 *   const { key, uploadToken } = intake.secretsOf(sessionId);
 *   intake.storeChunk(sessionId, uploadToken, body); // throws 'Invalid upload token' or why it did not open
 */
export type SealedChunkUpload = Pick<
  RouteBody<typeof routes.recordPamSessionChunk>,
  'chunkIndex' | 'iv' | 'ciphertext' | 'ciphertextSha256' | 'ciphertextBytes'
>;

/** The signature of session-recorder's openChunk: the chunk's events, or a throw. */
export type OpenSealedChunk = (
  key: Buffer,
  binding: { projectId: string; sessionId: string; chunkIndex: number; storageBackend: 'postgres' },
  sealed: { iv: Buffer; ciphertext: Buffer; sha256: Buffer; bytes: number },
) => unknown[];

export interface RecordingSecrets {
  key: Buffer;
  uploadToken: string;
  projectId: string;
}

export class FakeRecordingIntake {
  readonly secrets = new Map<string, RecordingSecrets>();
  /** Stored chunks per session, by index. */
  readonly chunks = new Map<string, Map<number, unknown[]>>();
  /** Stored event batches per session, by byte offset. */
  readonly batches = new Map<string, Map<number, unknown[]>>();

  private readonly open: OpenSealedChunk;
  private readonly projectId: string;

  /** `open`: session-recorder's openChunk; `projectId`: what chunks are bound to. */
  constructor(open: OpenSealedChunk, projectId = 'org-1') {
    this.open = open;
    this.projectId = projectId;
  }

  /** The session's recording secrets, made on first use. */
  secretsOf(sessionId: string): RecordingSecrets {
    let secrets = this.secrets.get(sessionId);
    if (!secrets) {
      secrets = {
        key: randomBytes(32),
        uploadToken: randomBytes(16).toString('hex'),
        projectId: this.projectId,
      };
      this.secrets.set(sessionId, secrets);
    }
    return secrets;
  }

  /** Opens and stores a sealed chunk; returns its events. Throws for a wrong token or a chunk that does not open. */
  storeChunk(
    sessionId: string,
    uploadToken: string | undefined,
    body: SealedChunkUpload,
  ): unknown[] {
    const secrets = this.secrets.get(sessionId);
    if (!secrets || secrets.uploadToken !== uploadToken) throw new Error('Invalid upload token');
    const events = this.open(
      secrets.key,
      {
        projectId: secrets.projectId,
        sessionId,
        chunkIndex: body.chunkIndex,
        storageBackend: 'postgres',
      },
      {
        iv: Buffer.from(body.iv, 'base64'),
        ciphertext: Buffer.from(body.ciphertext ?? '', 'base64'),
        sha256: Buffer.from(body.ciphertextSha256, 'base64'),
        bytes: body.ciphertextBytes,
      },
    );
    storeOnce(this.chunks, sessionId, body.chunkIndex, events);
    return events;
  }

  storeBatch(sessionId: string, startOffset: number, events: unknown[]): void {
    storeOnce(this.batches, sessionId, startOffset, events);
  }

  /** The session's recording as a reader gets it: batches by offset, then chunks by index. */
  events(sessionId: string): unknown[] {
    return [...inOrder(this.batches.get(sessionId)), ...inOrder(this.chunks.get(sessionId))];
  }
}

function storeOnce(
  into: Map<string, Map<number, unknown[]>>,
  sessionId: string,
  at: number,
  events: unknown[],
): void {
  const stored = into.get(sessionId) ?? new Map<number, unknown[]>();
  into.set(sessionId, stored);
  if (!stored.has(at)) stored.set(at, events);
}

function inOrder(map: Map<number, unknown[]> | undefined): unknown[] {
  return [...(map ?? new Map<number, unknown[]>()).entries()]
    .sort(([a], [b]) => a - b)
    .flatMap(([, events]) => events);
}
