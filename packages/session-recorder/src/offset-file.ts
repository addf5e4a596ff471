import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { RECORDING_FILE_MODE } from './recording-format.ts';

/**
 * The `.offset` file next to a recording: where its upload stands.
 *
 * ```
 * "<events uploaded>\n<byte offset of the next record>\n<next chunk index>\n<first event's time, ms>\n"
 * ```
 * Files of older gateways hold only the first line (events uploaded through the event-index
 * protocol of before); the byte offset is then found by walking the records, the chunk index
 * starts at 0. Written to a temporary file, fsync'd and renamed over the old one, so a crash
 * leaves either the old or the new progress, never a torn one.
 */

/** Where a session's upload stands. */
export interface UploadProgress {
  /** Events the control plane has (= index of the next record to upload). */
  events: number;
  /** Byte offset of that record; undefined when an older file did not say. */
  byteOffset: number | undefined;
  /** Index the next chunk gets. */
  nextChunkIndex: number;
  /** Timestamp (ms) of the session's first event: chunks' elapsed times count from it. */
  startMs: number | undefined;
}

/** The progress in an `.offset` file; nothing uploaded when it is missing or unreadable. */
export async function readUploadProgress(offsetPath: string): Promise<UploadProgress> {
  let lines: string[];
  try {
    lines = (await readFile(offsetPath, 'utf8')).split('\n').map((line) => line.trim());
  } catch {
    lines = [];
  }
  const number = (text: string | undefined): number | undefined =>
    text !== undefined && /^\d{1,15}$/.test(text) ? Number(text) : undefined;
  const events = number(lines[0]);
  if (events === undefined) {
    return { events: 0, byteOffset: 0, nextChunkIndex: 0, startMs: undefined };
  }
  return {
    events,
    byteOffset: number(lines[1]),
    nextChunkIndex: number(lines[2]) ?? 0,
    startMs: number(lines[3]),
  };
}

/** Persists the progress durably. */
export async function writeUploadProgress(
  offsetPath: string,
  progress: UploadProgress,
): Promise<void> {
  const fields = [
    progress.events,
    progress.byteOffset ?? '',
    progress.nextChunkIndex,
    progress.startMs ?? '',
  ];
  await writeFileDurably(offsetPath, fields.map((field) => `${field}\n`).join(''));
}

/**
 * The acknowledged event count, 0 when the file is missing or unreadable. Starting over from 0
 * is always safe: the event-batch route ignores events it already stored.
 */
export async function readAcknowledgedCount(offsetPath: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(offsetPath, 'utf8');
  } catch {
    return 0;
  }
  const firstLine = text.split('\n', 1)[0]?.trim() ?? '';
  if (!/^\d{1,15}$/.test(firstLine)) return 0;
  return Number(firstLine);
}

/** Persists the acknowledged event count durably (fsync of the file and of its directory). */
export async function writeAcknowledgedCount(offsetPath: string, count: number): Promise<void> {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError('bad acknowledged count');
  await writeFileDurably(offsetPath, `${count}\n`);
}

/**
 * Replaces `filePath` with `data` so that a crash leaves the old or the new content: a 0600
 * temporary file, fsync'd, renamed over it, and the directory fsync'd.
 */
export async function writeFileDurably(filePath: string, data: string | Buffer): Promise<void> {
  const temporary = `${filePath}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temporary, 'w', RECORDING_FILE_MODE);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temporary, filePath);
  await syncDirectory(path.dirname(filePath));
}

/** fsync of a directory, so that a rename or a new file survives a power loss. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
