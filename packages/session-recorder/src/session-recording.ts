import { mkdir, open, stat, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { AsyncMutex } from './async-mutex.ts';
import { syncDirectory } from './offset-file.ts';
import { FIRST_PREVIOUS_TAG, recordTag } from './record-binding.ts';
import { sealRecord, tryOpenRecord } from './record-cipher.ts';
import { scanRecords } from './record-scanner.ts';
import { RecordingEndedError } from './recording-errors.ts';
import { endedMarkerPath, recordingFileName } from './recording-file-name.ts';
import {
  RECORDING_DIR_MODE,
  RECORDING_FILE_MODE,
  RECORDING_FORMAT_VERSION,
  type RecordingFormatVersion,
} from './recording-format.ts';
import { assertRecordingKey } from './recording-key.ts';
import { detectRecordingFormat } from './recording-reader.ts';

/** What the gateway knows when a PAM connection of a session starts. */
export interface SessionRecordingOptions {
  /** The recording directory (`--pam-session-recording-path`). Created (0700) if missing. */
  dir: string;
  sessionId: string;
  /** `postgres`, … — part of the file name. */
  resourceType: string;
  /** The session's end: the NotAfter of the gateway client certificate. */
  expiresAt: Date;
  /** The gateway's PAM session key (32 bytes). */
  key: Uint8Array;
}

/** One connection's handle on its session's recording. */
export interface SessionRecording {
  /** The `.enc` file. */
  readonly path: string;
  /**
   * Queues the event as the session's next record; resolves with its index once it is encrypted,
   * written and fsync'd. Records go to the file in the order of the append calls of every
   * connection of the session (group commit: one write and one fsync cover every record queued
   * while the previous fsync ran, so concurrent connections share fsyncs instead of waiting in
   * line for one each). Throws RecordingEndedError after markEnded or close.
   */
  append(event: unknown): Promise<number>;
  /**
   * Marks the session ended (for every connection of it, also after a restart): no more
   * appends; the uploader deletes the file once every event is acknowledged. Idempotent.
   * Also closes this handle.
   */
  markEnded(): Promise<void>;
  /** Releases this connection's handle (the session goes on). Idempotent. */
  close(): Promise<void>;
}

/** The file shared by every open handle of one session in this process. */
interface SharedRecordingFile {
  handle: FileHandle;
  users: number;
  /** Complete records in the file (the next event's index). */
  recordCount: number;
  /** File size after the last complete record. */
  size: number;
  ended: boolean;
  /** markEnded was called: appends from now on are refused. */
  ending: boolean;
  /** Serialises flushes, the seal and the final close of the handle. */
  lock: AsyncMutex;
  /** Records waiting for the next flush, in append order. */
  queue: QueuedRecord[];
  /** A flush is queued on the lock and has not started yet (it will take the whole queue). */
  flushQueued: boolean;
  /** 2 for new files; an older file keeps its format (recording-format.ts). */
  format: RecordingFormatVersion;
  /** Tag of the last complete record: the next record's previousTag (format 2). */
  previousTag: Buffer;
}

/** An append waiting for its flush. */
interface QueuedRecord {
  payload: unknown;
  kind: 'event' | 'seal';
  resolve(index: number): void;
  reject(error: unknown): void;
}

/** What this process wrote to recordings since it started (every session's file). */
export interface RecordingWriteTotals {
  /** Records written and fsync'd (events and seals). */
  records: number;
  /** fsyncs that made them durable: with group commit, records / syncs is the batch size. */
  syncs: number;
}

const writeTotals: RecordingWriteTotals = { records: 0, syncs: 0 };

/** Totals of every recording this process wrote (gateway metrics, bench). */
export function recordingWriteTotals(): RecordingWriteTotals {
  return { ...writeTotals };
}

/** Open recording files of this process, by path (the per-file lock lives here). */
const openFiles = new Map<string, Promise<SharedRecordingFile>>();

/**
 * Opens (creating if needed) the recording of a session for appending. Every connection of the
 * session calls this and gets its own handle on one shared file; a torn record left by a crash
 * is cut off first, so new records never follow garbage.
 *
 * @example
 *   const recording = await openSessionRecording({ dir, sessionId, resourceType: 'postgres', expiresAt: cert.notAfter, key });
 *   await recording.append({ timestamp: new Date().toISOString(), input: 'SELECT 1', output: 'SELECT 1' });
 *   await recording.close();        // this connection is done
 *   await recording.markEnded();    // or: the whole session is over
 */
export async function openSessionRecording(
  options: SessionRecordingOptions,
): Promise<SessionRecording> {
  const key = assertRecordingKey(options.key);
  const filePath = path.resolve(options.dir, recordingFileName(options));
  let shared: SharedRecordingFile;
  for (;;) {
    let pending = openFiles.get(filePath);
    if (!pending) {
      const created = openSharedFile(options.dir, filePath, options.sessionId, key);
      created.catch(() => {
        if (openFiles.get(filePath) === created) openFiles.delete(filePath);
      });
      openFiles.set(filePath, created);
      pending = created;
    }
    shared = await pending;
    // The last handle may have closed the file while we waited: open it again.
    if (openFiles.get(filePath) === pending) break;
  }
  if (shared.ended) throw new RecordingEndedError(options.sessionId);
  shared.users += 1;
  let closed = false;

  const release = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    shared.users -= 1;
    if (shared.users === 0) {
      openFiles.delete(filePath);
      await shared.lock.run(() => shared.handle.close());
    }
  };

  return {
    path: filePath,
    append: (event) => {
      if (shared.ended || shared.ending || closed) {
        return Promise.reject(new RecordingEndedError(options.sessionId));
      }
      const appended = new Promise<number>((resolve, reject) =>
        shared.queue.push({ payload: event, kind: 'event', resolve, reject }),
      );
      if (!shared.flushQueued) {
        shared.flushQueued = true;
        void shared.lock.run(() => flush(shared, key, options.sessionId));
      }
      return appended;
    },
    markEnded: async () => {
      shared.ending = true;
      try {
        await shared.lock.run(async () => {
          if (shared.ended) return;
          // Appends made before markEnded are written first.
          await flush(shared, key, options.sessionId);
          // The seal: nothing can follow it, and a recording cut short is one without it.
          if (shared.format === 2) {
            const sealed = new Promise<number>((resolve, reject) =>
              shared.queue.push({
                payload: { events: shared.recordCount },
                kind: 'seal',
                resolve,
                reject,
              }),
            );
            await flush(shared, key, options.sessionId);
            await sealed;
          }
          await writeFile(endedMarkerPath(filePath), '', { mode: RECORDING_FILE_MODE });
          await syncDirectory(path.dirname(filePath));
          shared.ended = true;
        });
      } finally {
        shared.ending = shared.ended;
      }
      await release();
    },
    close: release,
  };
}

/** True while some connection of this process holds the recording open (the uploader asks). */
export function isRecordingOpen(filePath: string): boolean {
  return openFiles.has(path.resolve(filePath));
}

/**
 * Writes every queued record with one write and one fsync, then settles their appends. Call
 * under the file's lock. Records are sealed here, in queue order, from the last durable record
 * on: when the write or fsync fails, the file is cut back to the last complete record and every
 * record of this flush is refused (their answers are withheld); the next flush chains from the
 * durable state again. A record that cannot be sealed (too large) is refused alone.
 */
async function flush(shared: SharedRecordingFile, key: Buffer, sessionId: string): Promise<void> {
  shared.flushQueued = false;
  const batch = shared.queue.splice(0);
  const written: { record: QueuedRecord; index: number }[] = [];
  const bytes: Buffer[] = [];
  let previousTag = shared.previousTag;
  for (const record of batch) {
    const index = shared.recordCount + written.length;
    let sealed: Buffer;
    try {
      sealed =
        shared.format === 2
          ? sealRecord(key, record.payload, { sessionId, index, previousTag, kind: record.kind })
          : sealRecord(key, record.payload);
    } catch (error) {
      record.reject(error);
      continue;
    }
    previousTag = recordTag(sealed);
    written.push({ record, index });
    bytes.push(sealed);
  }
  if (written.length === 0) return;
  const data = bytes.length === 1 ? (bytes[0] as Buffer) : Buffer.concat(bytes);
  try {
    await writeFully(shared.handle, data);
    await shared.handle.sync();
  } catch (error) {
    // Never leave a partial record for the next append to follow (disk full, I/O error).
    await shared.handle.truncate(shared.size).catch(() => undefined);
    for (const { record } of written) record.reject(error);
    return;
  }
  shared.size += data.length;
  shared.recordCount += written.length;
  shared.previousTag = previousTag;
  writeTotals.records += written.length;
  writeTotals.syncs += 1;
  for (const { record, index } of written) record.resolve(index);
}

async function openSharedFile(
  dir: string,
  filePath: string,
  sessionId: string,
  key: Buffer,
): Promise<SharedRecordingFile> {
  await mkdir(dir, { recursive: true, mode: RECORDING_DIR_MODE });
  if (await exists(endedMarkerPath(filePath))) throw new RecordingEndedError(sessionId);
  const handle = await open(filePath, 'a+', RECORDING_FILE_MODE);
  try {
    // The mode only applies when the file is created; an older file gets it too.
    await handle.chmod(RECORDING_FILE_MODE);
    const scan = await scanRecords(handle, { readBodies: false });
    if (scan.tornTail) await handle.truncate(scan.nextByteOffset);
    await handle.sync();
    await syncDirectory(dir);
    const format =
      (await detectRecordingFormat(handle, key, sessionId)) ?? RECORDING_FORMAT_VERSION;
    let previousTag: Buffer = FIRST_PREVIOUS_TAG;
    if (scan.nextIndex > 0) {
      const last = await scanRecords(handle, { firstBodyIndex: scan.nextIndex - 1 });
      const record = last.records[0];
      if (!record) throw new Error(`cannot read the last record of ${filePath}`);
      previousTag = recordTag(record.body);
      if (format === 2 && scan.nextIndex > 0) {
        const before =
          record.index === 0 ? FIRST_PREVIOUS_TAG : await readTagBefore(handle, record.byteOffset);
        const binding = {
          sessionId,
          index: record.index,
          previousTag: before,
          kind: 'seal' as const,
        };
        if (tryOpenRecord(key, record.body, record.index, record.byteOffset, binding)) {
          throw new RecordingEndedError(sessionId);
        }
      }
    }
    return {
      handle,
      users: 0,
      recordCount: scan.nextIndex,
      size: scan.nextByteOffset,
      ended: false,
      ending: false,
      lock: new AsyncMutex(),
      queue: [],
      flushQueued: false,
      format,
      previousTag,
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** The 16 bytes before a record boundary: the tag of the record before it. */
async function readTagBefore(handle: FileHandle, byteOffset: number): Promise<Buffer> {
  const tag = Buffer.alloc(FIRST_PREVIOUS_TAG.length);
  await handle.read(tag, 0, tag.length, byteOffset - tag.length);
  return tag;
}

/** One write call for the whole flush when the kernel allows it; the rest appended (O_APPEND) if not. */
async function writeFully(handle: FileHandle, data: Buffer): Promise<void> {
  let written = 0;
  while (written < data.length) {
    const { bytesWritten } = await handle.write(data, written, data.length - written);
    written += bytesWritten;
  }
}

async function exists(filePath: string): Promise<boolean> {
  try {
    await stat(filePath);
    return true;
  } catch {
    return false;
  }
}
