import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { MAX_RECORDING_PROBLEM_CHARS, type RouteBody, type routes } from '@burrow/platform-api';
import {
  startPeriodicTask,
  systemClock,
  type Clock,
  type PeriodicTask,
} from '@burrow/tunnel-protocol';
import { AsyncMutex } from './async-mutex.ts';
import {
  endedMarkerPath,
  offsetFilePath,
  parseRecordingFileName,
  secretsFilePath,
} from './recording-file-name.ts';
import type { RecordingFileInfo } from './recording-file-name.ts';
import { assertRecordingKey } from './recording-key.ts';
import { readUploadProgress, syncDirectory, writeUploadProgress } from './offset-file.ts';
import {
  deletePendingChunk,
  readPendingChunk,
  writePendingChunk,
  type PendingChunk,
} from './pending-chunk-file.ts';
import { sealChunk } from './recording-chunk.ts';
import { readRecordingSecrets } from './recording-secrets-file.ts';
import { RecordingFormatError, RecordingIntegrityError } from './recording-errors.ts';
import { inspectRecordingFile } from './recording-inspect.ts';
import { readRecordingEvents, type IndexedEvent } from './recording-reader.ts';
import { retryDelayMs } from './retry-backoff.ts';
import { isRecordingOpen } from './session-recording.ts';

/**
 * Upload protocol — the reference's (reference §8.4; routes and chunk format in
 * @burrow/platform-api routes/pam-session-recordings.ts and recording-chunk.ts):
 *
 *   progress = <base>.offset {events, byteOffset, nextChunkIndex, startMs} (offset-file.ts)
 *   secrets  = <base>.secrets, the session's recording key and upload token (written by the
 *              gateway when the control plane hands them out with the credentials)
 *   repeat:  records from byteOffset on, at most maxBatchEvents / ~maxBatchBytes of them
 *     with secrets:    plaintext = JSON array of their events
 *                      chunk #nextChunkIndex = sealChunk(sessionKey, AAD(projectId|sessionId|
 *                      chunkIndex|storageBackend|v1), plaintext), written to <base>.chunk first,
 *                      then POST …/chunks (x-gateway-upload-token); acknowledged → progress
 *                      moves past those records and to the next index, <base>.chunk deleted.
 *                      A <base>.chunk found at the start of a pass is sent again as it is
 *                      (same index, same bytes: the control plane keeps one).
 *     without secrets: POST …/event-batches?startOffset=<byteOffset> with the events (older
 *                      control planes; the reference's fallback)
 *   when the session ended (<base>.ended, or the expiry in the file name passed, and no
 *   connection of this process holds the file) and every record is uploaded:
 *            end(sessionId, {recordedEvents}); delete .enc, .offset, .ended, .secrets, .chunk
 *            a format-2 file with an .ended marker but no seal lost its end (the gateway seals
 *            before it writes the marker): end(sessionId, {recordedEvents, recordingProblem})
 *
 * Records that fail verification (or whose length is impossible) are never uploaded: the verified
 * ones before the first bad one are, and the error naming it is reported on every pass. Once such a session is over the control
 * plane is told too — end(sessionId, {recordingProblem}) — so its readers do not take the shorter
 * recording for a complete one; the files stay (the rest of the evidence is in them).
 */

/** The control plane, as the uploader needs it. */
export interface RecordingUploaderOptions {
  /** The recording directory the gateway's sessions write to. */
  dir: string;
  /** The gateway's PAM session key. */
  key: Uint8Array;
  /** Sends one sealed chunk of a session (POST …/chunks); rejects on any failure (retried). */
  uploadChunk(sessionId: string, uploadToken: string, chunk: ChunkUploadBody): Promise<void>;
  /**
   * Sends events of a session that has no recording secrets, starting at byte `startOffset` of
   * its file (POST …/event-batches); rejects on any failure (retried).
   */
  uploadEvents(sessionId: string, startOffset: number, events: unknown[]): Promise<void>;
  /**
   * Tells the control plane the session ended (idempotent there), with the number of events its
   * recording holds — every one of them uploaded — so readers learn if fewer arrived, and what is
   * wrong with the local recording when something is (readers are warned).
   */
  end(sessionId: string, report: SessionEndReport): Promise<void>;
  /** Time between two passes over the directory (default 10 s, as the reference). */
  intervalMs?: number;
  /** Events per batch (default 1000). */
  maxBatchEvents?: number;
  /** Encrypted bytes per batch, about the JSON size (default 512 KiB, the reference's limit). */
  maxBatchBytes?: number;
  /** First retry delay after a failure (default 1 s), doubled per failure… */
  retryBaseMs?: number;
  /** …up to this (default 5 min). */
  retryCapMs?: number;
  /** Share of the delay taken off at random (default 0.5; 0 in tests). */
  retryJitter?: number;
  /**
   * Time for the passes, the retry schedule and expiry (default: the system clock; tests move a
   * manual one).
   */
  clock?: Clock;
  /** Called for every failed attempt; errors never carry event contents or the key. */
  onError?: (sessionId: string, error: unknown) => void;
}

/** Recorded events the control plane has not acknowledged yet, over every recording here. */
export interface UploadBacklog {
  events: number;
  /** Timestamp (ms) of the oldest of them; undefined when there are none or it has no time. */
  oldestMs: number | undefined;
}

/** What the uploader tells the control plane when a session's recording is done. */
export interface SessionEndReport {
  /** Events the recording holds, every one of them acknowledged (absent when not known). */
  recordedEvents?: number;
  /** Why the uploaded recording is shorter than what was recorded (absent when it is not). */
  recordingProblem?: string;
}

/** The chunk route's body (base64 fields, ciphertext inline), as platform-api declares it. */
export type ChunkUploadBody = RouteBody<typeof routes.recordPamSessionChunk>;

/** Where one session's upload stands after a pass. */
export interface SessionUploadStatus {
  sessionId: string;
  /** Complete records in the file. */
  recordedEvents: number;
  /** Events the control plane acknowledged. */
  acknowledgedEvents: number;
  /** Ended by the gateway or expired. */
  ended: boolean;
  /** Everything was acknowledged, the control plane was told, the files are gone. */
  deleted: boolean;
}

const DEFAULT_INTERVAL_MS = 10_000;
const DEFAULT_MAX_BATCH_EVENTS = 1000;
const DEFAULT_MAX_BATCH_BYTES = 512 * 1024;
const DEFAULT_RETRY_BASE_MS = 1000;
const DEFAULT_RETRY_CAP_MS = 5 * 60_000;

/** Per-session memory of the uploader (all of it can be lost: the files are the truth). */
interface SessionState {
  lock: AsyncMutex;
  failures: number;
  nextAttemptAt: number;
  /** The control plane acknowledged this problem of the session (told once per process). */
  reportedProblem?: string;
}

/**
 * Uploads every recording in a directory to the control plane, in the background.
 *
 * @example
 *   const uploader = new RecordingUploader({ dir, key, upload, end, intervalMs: 10_000 });
 *   uploader.start();                     // resumes whatever a previous run left behind
 *   await recording.markEnded();
 *   await uploader.flush(sessionId);      // now: send the rest, end, delete
 *   await uploader.stop();
 */
export class RecordingUploader {
  private readonly options: RecordingUploaderOptions;
  private readonly sessions = new Map<string, SessionState>();
  /** Each recording's backlog as the last attempt left it (metrics). */
  private readonly backlogs = new Map<string, UploadBacklog>();
  private readonly clock: Clock;
  /** The passes, while started. */
  private passes: PeriodicTask | undefined;
  /** The pass under way (or the last one). */
  private pass: Promise<unknown> | undefined;

  constructor(options: RecordingUploaderOptions) {
    assertRecordingKey(options.key);
    this.options = options;
    this.clock = options.clock ?? systemClock;
  }

  /**
   * Starts passes over the directory: one now, then intervalMs after each one ends (a pass never
   * overlaps another; its failures are per session, see the retry options).
   */
  start(): void {
    if (this.passes) return;
    const intervalMs = this.options.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.passes = startPeriodicTask({
      clock: this.clock,
      firstDelayMs: 0,
      delayAfter: () => intervalMs,
      run: async () => {
        this.pass = this.runOnce();
        await this.pass;
      },
      onError: () => undefined, // runOnce never rejects
    });
  }

  /** Stops the passes and waits for the one under way to end. Files stay for the next start. */
  async stop(): Promise<void> {
    this.passes?.stop();
    this.passes = undefined;
    await this.idle();
  }

  /** Resolves once the pass under way, if any, has ended (tests moving a manual clock). */
  async idle(): Promise<void> {
    await this.pass?.catch(() => undefined);
  }

  /**
   * Processes one session now, ignoring any backoff: uploads what is new, and ends and deletes
   * it if it is over. Rejects with the upload error (the timer retries later anyway).
   * Resolves undefined when the session has no recording here (e.g. already deleted).
   */
  async flush(sessionId: string): Promise<SessionUploadStatus | undefined> {
    const file = await this.findRecording(sessionId);
    if (!file) return undefined;
    return this.process(file.path, file.info, true);
  }

  /**
   * What the control plane has not acknowledged yet, as the last attempt on each recording left it
   * (gateway metrics: a backlog that keeps its oldest event means uploads are not arriving).
   */
  backlog(): UploadBacklog {
    let events = 0;
    let oldestMs: number | undefined;
    for (const backlog of this.backlogs.values()) {
      events += backlog.events;
      if (backlog.oldestMs !== undefined && (oldestMs === undefined || backlog.oldestMs < oldestMs))
        oldestMs = backlog.oldestMs;
    }
    return { events, oldestMs };
  }

  /** One pass over the directory (what the timer runs); never rejects. */
  async runOnce(): Promise<SessionUploadStatus[]> {
    const results: SessionUploadStatus[] = [];
    for (const file of await this.listRecordings()) {
      const state = this.state(file.info.sessionId);
      if (state.nextAttemptAt > this.now()) continue;
      try {
        results.push(await this.process(file.path, file.info, false));
      } catch {
        // Reported through onError and scheduled for retry in process().
      }
    }
    return results;
  }

  private now(): number {
    return this.clock.now();
  }

  private state(sessionId: string): SessionState {
    let state = this.sessions.get(sessionId);
    if (!state) {
      state = { lock: new AsyncMutex(), failures: 0, nextAttemptAt: 0 };
      this.sessions.set(sessionId, state);
    }
    return state;
  }

  private process(
    filePath: string,
    info: RecordingFileInfo,
    manual: boolean,
  ): Promise<SessionUploadStatus> {
    const state = this.state(info.sessionId);
    return state.lock.run(async () => {
      if (!manual && state.nextAttemptAt > this.now()) {
        throw new Error('backing off');
      }
      try {
        const status = await this.upload(filePath, info);
        state.failures = 0;
        state.nextAttemptAt = 0;
        if (status.deleted) {
          this.sessions.delete(info.sessionId);
          this.backlogs.delete(info.sessionId);
        } else {
          await this.measureBacklog(filePath, info.sessionId);
        }
        return status;
      } catch (error) {
        await this.measureBacklog(filePath, info.sessionId);
        state.failures += 1;
        state.nextAttemptAt =
          this.now() +
          retryDelayMs(state.failures, {
            baseMs: this.options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS,
            capMs: this.options.retryCapMs ?? DEFAULT_RETRY_CAP_MS,
            jitter: this.options.retryJitter ?? 0.5,
          });
        this.options.onError?.(info.sessionId, error);
        throw error;
      }
    });
  }

  private async upload(filePath: string, info: RecordingFileInfo): Promise<SessionUploadStatus> {
    const { sessionId } = info;
    const offsetPath = offsetFilePath(filePath);
    const key = this.options.key;
    const state = this.state(sessionId);
    const secrets = await readRecordingSecrets(filePath, key, sessionId);
    let progress = await readUploadProgress(offsetPath);

    const pending = await readPendingChunk(filePath);
    if (pending) {
      if (!secrets) throw new Error(`${filePath}: a chunk is pending but the secrets are gone`);
      await this.options.uploadChunk(sessionId, secrets.uploadToken, chunkBody(pending));
      progress = pending.after;
      await writeUploadProgress(offsetPath, progress);
      await deletePendingChunk(filePath);
    }

    let recorded = progress.events;
    let badRecord: { index: number; error: Error } | undefined;
    for (;;) {
      const readOptions = {
        startIndex: progress.events,
        ...(progress.byteOffset !== undefined
          ? { cursor: { index: progress.events, byteOffset: progress.byteOffset } }
          : {}),
        maxEvents: this.options.maxBatchEvents ?? DEFAULT_MAX_BATCH_EVENTS,
        maxBytes: this.options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES,
      };
      let read;
      try {
        read = await readRecordingEvents(filePath, key, readOptions);
      } catch (error) {
        // A record that fails verification (or cannot be read at all): upload the verified
        // events before it, then stop there (never past it) and report it; every later pass
        // stops there again.
        const index = badRecordIndex(error);
        if (index === undefined) throw error;
        badRecord = { index, error: error as Error };
        if (index <= progress.events) break;
        read = await readRecordingEvents(filePath, key, {
          ...readOptions,
          maxEvents: Math.min(readOptions.maxEvents, index - progress.events),
        });
      }
      recorded = read.nextIndex;
      const first = read.events[0];
      if (!first) break;
      const events = read.events.map((item) => item.event);
      const after = {
        events: read.nextIndex,
        byteOffset: read.nextByteOffset,
        nextChunkIndex: progress.nextChunkIndex,
        startMs: progress.startMs ?? (await this.sessionStartMs(filePath, first)),
      };
      if (secrets) {
        const times = events.map(eventTimeMs);
        const elapsed = (ms: number | undefined) =>
          ms === undefined || after.startMs === undefined ? 0 : Math.max(0, ms - after.startMs);
        const chunkIndex = progress.nextChunkIndex;
        const sealed = sealChunk(
          secrets.sessionKey,
          {
            projectId: secrets.projectId,
            sessionId,
            chunkIndex,
            storageBackend: secrets.storageBackend,
          },
          Buffer.from(JSON.stringify(events), 'utf8'),
        );
        const chunk: PendingChunk = {
          chunkIndex,
          startElapsedMs: elapsed(times.find((ms) => ms !== undefined)),
          endElapsedMs: elapsed([...times].reverse().find((ms) => ms !== undefined)),
          ...sealed,
          after: { ...after, nextChunkIndex: chunkIndex + 1 },
        };
        await writePendingChunk(filePath, chunk);
        await this.options.uploadChunk(sessionId, secrets.uploadToken, chunkBody(chunk));
        progress = chunk.after;
        await writeUploadProgress(offsetPath, progress);
        await deletePendingChunk(filePath);
      } else {
        await this.options.uploadEvents(sessionId, first.byteOffset, events);
        progress = after;
        await writeUploadProgress(offsetPath, progress);
      }
      if (badRecord && progress.events >= badRecord.index) break;
      if (!read.more) break;
    }
    const acked = progress.events;

    const ended =
      (await exists(endedMarkerPath(filePath))) || info.expiresAt.getTime() <= this.now();
    const status: SessionUploadStatus = {
      sessionId,
      recordedEvents: recorded,
      acknowledgedEvents: acked,
      ended,
      deleted: false,
    };
    const over = ended && !isRecordingOpen(filePath);
    if (badRecord) {
      if (over) {
        await this.reportProblem(state, sessionId, unverifiedProblem(badRecord.error, acked));
      }
      throw badRecord.error;
    }
    if (!over || acked < recorded) return status;
    // A last look: nothing was appended since the read above (writers are done, but be sure).
    const after = await readRecordingEvents(filePath, this.options.key, {
      startIndex: recorded,
      maxEvents: 1,
    });
    if (after.events.length > 0) return status;
    // The gateway seals a format-2 recording before it writes the marker: a marker without a
    // seal means the end of the file (records and seal) was cut off.
    const cutOff = after.format === 2 && !after.sealed && (await exists(endedMarkerPath(filePath)));
    await this.options.end(sessionId, {
      recordedEvents: recorded,
      ...(cutOff ? { recordingProblem: unsealedProblem(recorded) } : {}),
    });
    await rm(filePath, { force: true });
    await rm(offsetPath, { force: true });
    await rm(endedMarkerPath(filePath), { force: true });
    await rm(secretsFilePath(filePath), { force: true });
    await deletePendingChunk(filePath);
    await syncDirectory(path.dirname(filePath));
    return { ...status, deleted: true };
  }

  /**
   * Counts the records after the acknowledged ones (from the upload progress on, without
   * decrypting) and reads the time of the first of them. A file that cannot be read keeps its last
   * measure; one that is gone has none.
   */
  private async measureBacklog(filePath: string, sessionId: string): Promise<void> {
    try {
      const progress = await readUploadProgress(offsetFilePath(filePath));
      const from =
        progress.byteOffset !== undefined
          ? { index: progress.events, byteOffset: progress.byteOffset }
          : undefined;
      const summary = await inspectRecordingFile(filePath, from ? { from } : {});
      const events = Math.max(0, summary.events - progress.events);
      let oldestMs: number | undefined;
      if (events > 0) {
        const first = await readRecordingEvents(filePath, this.options.key, {
          startIndex: progress.events,
          ...(from ? { cursor: from } : {}),
          maxEvents: 1,
        }).catch(() => undefined);
        oldestMs = first?.events[0] ? eventTimeMs(first.events[0].event) : undefined;
      }
      this.backlogs.set(sessionId, { events, oldestMs });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') this.backlogs.delete(sessionId);
    }
  }

  /** Tells the control plane what is wrong with a session's recording, once per process. */
  private async reportProblem(
    state: SessionState,
    sessionId: string,
    recordingProblem: string,
  ): Promise<void> {
    if (state.reportedProblem === recordingProblem) return;
    await this.options.end(sessionId, { recordingProblem });
    state.reportedProblem = recordingProblem;
  }

  /** The timestamp of the session's first event (elapsed times of chunks count from it). */
  private async sessionStartMs(filePath: string, first: IndexedEvent): Promise<number | undefined> {
    if (first.index === 0) return eventTimeMs(first.event);
    const read = await readRecordingEvents(filePath, this.options.key, { maxEvents: 1 });
    return read.events[0] ? eventTimeMs(read.events[0].event) : undefined;
  }

  private async findRecording(
    sessionId: string,
  ): Promise<{ path: string; info: RecordingFileInfo } | undefined> {
    return (await this.listRecordings()).find((file) => file.info.sessionId === sessionId);
  }

  /** Recording files in the directory (none when it does not exist yet). */
  private async listRecordings(): Promise<Array<{ path: string; info: RecordingFileInfo }>> {
    let names: string[];
    try {
      names = await readdir(this.options.dir);
    } catch {
      return [];
    }
    const files: Array<{ path: string; info: RecordingFileInfo }> = [];
    for (const name of names.sort()) {
      const info = parseRecordingFileName(name);
      if (info) files.push({ path: path.join(this.options.dir, name), info });
    }
    return files;
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

/**
 * The index of the record a read error is about, when the records before it can be read: one that
 * fails verification, or one whose length is impossible (the file was changed there).
 */
function badRecordIndex(error: unknown): number | undefined {
  if (error instanceof RecordingIntegrityError) return error.recordIndex;
  if (error instanceof RecordingFormatError) return error.recordIndex;
  return undefined;
}

/** What readers are told when a record of the local file failed verification. */
function unverifiedProblem(error: Error, uploaded: number): string {
  const text =
    `its local recording failed verification, so the upload stops after ` +
    `${eventCount(uploaded)}: ${error.message}`;
  // The route takes so much; the start names the record.
  return text.length <= MAX_RECORDING_PROBLEM_CHARS
    ? text
    : `${text.slice(0, MAX_RECORDING_PROBLEM_CHARS - 1)}…`;
}

/** What readers are told when a recording that was ended has lost its seal. */
function unsealedProblem(events: number): string {
  return (
    `its local recording was ended but its seal is missing: the file was cut off after ` +
    `${eventCount(events)} (the seal at least, maybe more events, are gone)`
  );
}

function eventCount(count: number): string {
  return count === 1 ? '1 event' : `${count} events`;
}

/** The route body of a sealed chunk. */
function chunkBody(chunk: PendingChunk): ChunkUploadBody {
  return {
    chunkIndex: chunk.chunkIndex,
    startElapsedMs: chunk.startElapsedMs,
    endElapsedMs: chunk.endElapsedMs,
    ciphertextSha256: chunk.sha256.toString('base64'),
    ciphertextBytes: chunk.ciphertext.length,
    iv: chunk.iv.toString('base64'),
    ciphertext: chunk.ciphertext.toString('base64'),
  };
}

/** An event's `timestamp` in ms, when it has a valid one. */
function eventTimeMs(event: unknown): number | undefined {
  const text = (event as { timestamp?: unknown } | null)?.timestamp;
  const ms = typeof text === 'string' ? Date.parse(text) : Number.NaN;
  return Number.isNaN(ms) ? undefined : ms;
}
