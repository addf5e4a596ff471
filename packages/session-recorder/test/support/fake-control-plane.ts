import { openChunk } from '../../src/index.ts';
import type { ChunkUploadBody } from '../../src/index.ts';

/**
 * The control plane's recording intake as the contract describes it, in memory: chunks checked
 * with the session's key and bound to (project, session, index), stored once per index; event
 * batches stored once per byte offset; end is idempotent.
 */
export class FakeControlPlane {
  readonly chunks = new Map<string, Map<number, unknown[]>>();
  readonly batches = new Map<string, Map<number, unknown[]>>();
  readonly ended = new Set<string>();
  /** Every upload attempt, in order. */
  readonly uploads: Array<{
    sessionId: string;
    kind: 'chunk' | 'batch';
    at: number;
    count: number;
  }> = [];
  /** The recording secrets each session got. */
  readonly secrets = new Map<string, { key: Buffer; uploadToken: string; projectId: string }>();
  endCalls = 0;
  /** Fail the next n uploads / end calls. */
  failUploads = 0;
  failEnds = 0;

  uploadChunk = async (
    sessionId: string,
    uploadToken: string,
    body: ChunkUploadBody,
  ): Promise<void> => {
    if (this.failUploads > 0) {
      this.failUploads -= 1;
      throw new Error('503 Service Unavailable');
    }
    const secrets = this.secrets.get(sessionId);
    if (!secrets || secrets.uploadToken !== uploadToken)
      throw new Error('400 Invalid upload token');
    const events = openChunk(
      secrets.key,
      {
        projectId: secrets.projectId,
        sessionId,
        chunkIndex: body.chunkIndex,
        storageBackend: 'postgres',
      },
      {
        iv: Buffer.from(body.iv, 'base64'),
        ciphertext: Buffer.from(body.ciphertext, 'base64'),
        sha256: Buffer.from(body.ciphertextSha256, 'base64'),
        bytes: body.ciphertextBytes,
      },
    );
    this.uploads.push({ sessionId, kind: 'chunk', at: body.chunkIndex, count: events.length });
    const stored = this.chunks.get(sessionId) ?? new Map<number, unknown[]>();
    this.chunks.set(sessionId, stored);
    if (!stored.has(body.chunkIndex)) stored.set(body.chunkIndex, events);
  };

  uploadEvents = async (
    sessionId: string,
    startOffset: number,
    events: unknown[],
  ): Promise<void> => {
    if (this.failUploads > 0) {
      this.failUploads -= 1;
      throw new Error('503 Service Unavailable');
    }
    this.uploads.push({ sessionId, kind: 'batch', at: startOffset, count: events.length });
    const stored = this.batches.get(sessionId) ?? new Map<number, unknown[]>();
    this.batches.set(sessionId, stored);
    if (!stored.has(startOffset)) stored.set(startOffset, events);
  };

  /** The session's recording as a reader gets it: batches by offset, then chunks by index. */
  events(sessionId: string): unknown[] {
    const inOrder = (map: Map<number, unknown[]> | undefined) =>
      [...(map ?? new Map<number, unknown[]>()).entries()]
        .sort(([a], [b]) => a - b)
        .flatMap(([, events]) => events);
    return [...inOrder(this.batches.get(sessionId)), ...inOrder(this.chunks.get(sessionId))];
  }

  /** What the gateway said it recorded, per session. */
  readonly recordedEvents = new Map<string, number>();

  end = async (sessionId: string, recordedEvents: number): Promise<void> => {
    this.endCalls += 1;
    this.recordedEvents.set(sessionId, recordedEvents);
    if (this.failEnds > 0) {
      this.failEnds -= 1;
      throw new Error('503 Service Unavailable');
    }
    this.ended.add(sessionId);
  };
}
