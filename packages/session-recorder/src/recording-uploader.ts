import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { AsyncMutex } from './async-mutex.ts';
import { endedMarkerPath, offsetFilePath, parseRecordingFileName } from './recording-file-name.ts';
import type { RecordingFileInfo } from './recording-file-name.ts';
import { assertRecordingKey } from './recording-key.ts';
import { readAcknowledgedCount, syncDirectory, writeAcknowledgedCount } from './offset-file.ts';
import { RecordingIntegrityError } from './recording-errors.ts';
import { readRecordingEvents } from './recording-reader.ts';
import { retryDelayMs } from './retry-backoff.ts';
import { isRecordingOpen } from './session-recording.ts';

/**
 * Upload protocol (docs/pam-contract.md, `POST /api/v1/pam/sessions/:id/event-batches`):
 *
 *   acked  = <base>.offset (0 if missing)
 *   repeat: events[acked..acked+batch) → upload(sessionId, acked, events) → {acknowledgedEvents}
 *           acked = acknowledgedEvents; write <base>.offset
 *   when acked = every complete record and the session ended (<base>.ended, or the expiry in
 *   the file name has passed, and no connection of this process holds the file):
 *           end(sessionId); delete .enc, .offset, .ended
 *
 * The control plane stores an event index once, so a crash between an upload and the offset
 * write only causes the same batch to be sent again. If the control plane answers with fewer
 * acknowledged events than the batch started at (it lost events), the uploader rewinds to that
 * count and sends from there.
 */

/** The control plane, as the uploader needs it. */
export interface RecordingUploaderOptions {
  /** The recording directory the gateway's sessions write to. */
  dir: string;
  /** The gateway's PAM session key. */
  key: Uint8Array;
  /**
   * Sends events `startIndex … startIndex + events.length - 1` of a session; resolves with the
   * total the control plane has stored. Rejects on any failure (retried with backoff).
   */
  upload(
    sessionId: string,
    startIndex: number,
    events: unknown[],
  ): Promise<{ acknowledgedEvents: number }>;
  /** Tells the control plane the session ended (idempotent there). */
  end(sessionId: string): Promise<void>;
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
  /** Clock (tests). */
  now?: () => number;
  /** Called for every failed attempt; errors never carry event contents or the key. */
  onError?: (sessionId: string, error: unknown) => void;
}

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
  /** Where `acked` starts in the file, to avoid walking it from the start every pass. */
  cursor: { index: number; byteOffset: number } | undefined;
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
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private pass: Promise<void> | undefined;

  constructor(options: RecordingUploaderOptions) {
    assertRecordingKey(options.key);
    this.options = options;
  }

  /** Starts passes over the directory: one now, then every intervalMs. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops the timer and waits for a pass in progress. Files stay for the next start. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.pass;
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

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.pass = this.runOnce().then(
        () => this.schedule(this.options.intervalMs ?? DEFAULT_INTERVAL_MS),
        () => this.schedule(this.options.intervalMs ?? DEFAULT_INTERVAL_MS),
      );
    }, delayMs);
    this.timer.unref();
  }

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  private state(sessionId: string): SessionState {
    let state = this.sessions.get(sessionId);
    if (!state) {
      state = { lock: new AsyncMutex(), failures: 0, nextAttemptAt: 0, cursor: undefined };
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
        const status = await this.upload(filePath, info, state);
        state.failures = 0;
        state.nextAttemptAt = 0;
        if (status.deleted) this.sessions.delete(info.sessionId);
        return status;
      } catch (error) {
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

  private async upload(
    filePath: string,
    info: RecordingFileInfo,
    state: SessionState,
  ): Promise<SessionUploadStatus> {
    const { sessionId } = info;
    const offsetPath = offsetFilePath(filePath);
    let acked = await readAcknowledgedCount(offsetPath);
    let recorded = acked;
    let rewound = false;
    let integrityError: RecordingIntegrityError | undefined;
    for (;;) {
      const cursor = state.cursor && state.cursor.index <= acked ? state.cursor : undefined;
      const readOptions = {
        startIndex: acked,
        ...(cursor ? { cursor } : {}),
        maxEvents: this.options.maxBatchEvents ?? DEFAULT_MAX_BATCH_EVENTS,
        maxBytes: this.options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES,
      };
      let read;
      try {
        read = await readRecordingEvents(filePath, this.options.key, readOptions);
      } catch (error) {
        // A record that fails verification: upload the verified events before it, then stop
        // there (never past it) and report it; every later pass stops there again.
        if (!(error instanceof RecordingIntegrityError) || error.recordIndex <= acked) throw error;
        integrityError = error;
        read = await readRecordingEvents(filePath, this.options.key, {
          ...readOptions,
          maxEvents: Math.min(readOptions.maxEvents, error.recordIndex - acked),
        });
      }
      recorded = read.nextIndex;
      if (read.events.length === 0) {
        // The offset may say more than the file holds only if the file was replaced; the
        // control plane ignores what it has, so sending from the file's count is safe.
        if (acked > recorded) acked = recorded;
        break;
      }
      const startIndex = read.events[0]?.index ?? acked;
      const events = read.events.map((item) => item.event);
      const answer = await this.options.upload(sessionId, startIndex, events);
      const total = answer.acknowledgedEvents;
      if (!Number.isSafeInteger(total) || total < 0) {
        throw new Error(`control plane acknowledged ${String(total)} events`);
      }
      if (total < startIndex) {
        // The control plane has fewer events than we thought: send again from its count.
        if (rewound) throw new Error(`control plane keeps acknowledging ${total} events`);
        rewound = true;
        state.cursor = undefined;
        acked = total;
        await writeAcknowledgedCount(offsetPath, acked);
        continue;
      }
      if (total === startIndex) {
        throw new Error(`control plane stored none of events ${startIndex}…`);
      }
      acked = Math.min(total, read.nextIndex);
      state.cursor =
        acked === read.nextIndex
          ? { index: read.nextIndex, byteOffset: read.nextByteOffset }
          : undefined;
      await writeAcknowledgedCount(offsetPath, acked);
      if (integrityError && acked >= integrityError.recordIndex) throw integrityError;
      if (!read.more) {
        recorded = read.nextIndex;
        if (acked >= recorded) break;
      }
    }

    const ended =
      (await exists(endedMarkerPath(filePath))) || info.expiresAt.getTime() <= this.now();
    const status: SessionUploadStatus = {
      sessionId,
      recordedEvents: recorded,
      acknowledgedEvents: acked,
      ended,
      deleted: false,
    };
    if (!ended || acked < recorded || isRecordingOpen(filePath)) return status;
    // A last look: nothing was appended since the read above (writers are done, but be sure).
    const after = await readRecordingEvents(filePath, this.options.key, {
      startIndex: recorded,
      maxEvents: 1,
    });
    if (after.events.length > 0) return status;
    await this.options.end(sessionId);
    await rm(filePath, { force: true });
    await rm(offsetPath, { force: true });
    await rm(endedMarkerPath(filePath), { force: true });
    await syncDirectory(path.dirname(filePath));
    return { ...status, deleted: true };
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
