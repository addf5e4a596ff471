import { readFile, rm } from 'node:fs/promises';
import { writeFileDurably, type UploadProgress } from './offset-file.ts';
import { pendingChunkPath } from './recording-file-name.ts';

/**
 * The chunk being uploaded, written before it is sent (as the reference queues chunks on disk):
 * after a crash the same bytes are sent again under the same index, so a replay the control
 * plane ignores can never stand for different events.
 *
 * ```
 * <base>.chunk = JSON {chunkIndex, startElapsedMs, endElapsedMs, iv, ciphertext, sha256 (base64),
 *                      after: the upload progress once it is acknowledged}      mode 0600
 * ```
 */
export interface PendingChunk {
  chunkIndex: number;
  startElapsedMs: number;
  endElapsedMs: number;
  iv: Buffer;
  ciphertext: Buffer;
  sha256: Buffer;
  after: UploadProgress;
}

export async function writePendingChunk(recordingPath: string, chunk: PendingChunk): Promise<void> {
  await writeFileDurably(
    pendingChunkPath(recordingPath),
    JSON.stringify({
      ...chunk,
      iv: chunk.iv.toString('base64'),
      ciphertext: chunk.ciphertext.toString('base64'),
      sha256: chunk.sha256.toString('base64'),
    }),
  );
}

/** The pending chunk, or undefined (none, or a file a crash left unreadable: rebuilt then). */
export async function readPendingChunk(recordingPath: string): Promise<PendingChunk | undefined> {
  try {
    const raw = JSON.parse(await readFile(pendingChunkPath(recordingPath), 'utf8')) as Omit<
      PendingChunk,
      'iv' | 'ciphertext' | 'sha256'
    > & { iv: string; ciphertext: string; sha256: string };
    return {
      ...raw,
      iv: Buffer.from(raw.iv, 'base64'),
      ciphertext: Buffer.from(raw.ciphertext, 'base64'),
      sha256: Buffer.from(raw.sha256, 'base64'),
    };
  } catch {
    return undefined;
  }
}

export async function deletePendingChunk(recordingPath: string): Promise<void> {
  await rm(pendingChunkPath(recordingPath), { force: true });
}
