/**
 * The gateway's PAM session recordings (docs/pam-contract.md "Local recording file",
 * reference §8.4), on @burrow/session-recorder:
 *
 *   key        GET /api/v2/gateways/pam-session-key, fetched once and kept in memory
 *   files      <dir>/pam_session_<id>_<type>_expires_<unix>.enc, one per session, opened at the
 *              session's first connection; every query event is appended (encrypted, fsynced)
 *   secrets    the session's recording key and upload token from its credentials answer, kept
 *              sealed next to the recording (<base>.secrets) before its first event
 *   uploader   every intervalMs: new events -> sealed chunks, POST …/chunks (the reference's
 *              protocol; without secrets: POST …/event-batches?startOffset=<byte offset>); once a
 *              session ended and everything is acknowledged -> POST …/end and the files are deleted.
 *              Started at the first session, or at gateway start when files of an earlier run
 *              are waiting (they are resumed from their persisted offsets).
 *   bound      --pam-session-recording-max-bytes: a new session is refused while the local
 *              recordings take that much (recording-storage.ts); running ones keep recording
 *   dir        --pam-session-recording-path / INFISICAL_PAM_SESSION_RECORDING_PATH; the default
 *              /var/lib/infisical/session_recordings falls back to ~/.burrow/session_recordings
 *              when it is not writable (a gateway not running as root).
 */
import { constants } from 'node:fs';
import { access, mkdir, readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SessionRecording } from '@burrow/session-recorder';
import type { RecordingSecrets, UploadBacklog } from '@burrow/session-recorder';
import {
  RecordingUploader,
  openSessionRecording,
  recordingFileName,
  writeRecordingSecrets,
} from '@burrow/session-recorder';
import type { Logger } from '@burrow/observability';
import type { PamPlatformClient } from '../platform/pam-platform-client.ts';
import {
  DEFAULT_PAM_SESSION_RECORDING_MAX_BYTES,
  RecordingStorageFullError,
  recordingStorageBytes,
} from './recording-storage.ts';

export const DEFAULT_PAM_SESSION_RECORDING_PATH = '/var/lib/infisical/session_recordings';
/** Where recordings go when the default directory is not writable. */
export const FALLBACK_PAM_SESSION_RECORDING_PATH = path.join(
  os.homedir(),
  '.burrow',
  'session_recordings',
);
/** How often the uploader sends new events (the reference's 10 s). */
export const RECORDING_UPLOAD_INTERVAL_MS = 10_000;
/** After a failed key fetch for leftover recordings, try again this soon. */
const LEFTOVER_RETRY_MS = 60_000;

export interface PamRecordingsOptions {
  /** The configured directory; undefined means the default (with its fallback). */
  dir: string | undefined;
  platform: PamPlatformClient;
  logger: Logger;
  uploadIntervalMs?: number;
  /** Disk space the local recordings may take before new sessions are refused. */
  maxBytes?: number;
  /** Told about every session refused because the bound was reached (metrics). */
  onStorageFull?: (error: RecordingStorageFullError) => void;
}

export class PamRecordings {
  private readonly options: PamRecordingsOptions;
  private readonly logger: Logger;
  private dirPromise: Promise<string> | undefined;
  private keyPromise: Promise<Buffer> | undefined;
  private uploader: RecordingUploader | undefined;
  private leftoverTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(options: PamRecordingsOptions) {
    this.options = options;
    this.logger = options.logger;
  }

  /** Resumes uploads of recordings an earlier run left behind (in the background). */
  start(): void {
    void this.resumeLeftovers();
  }

  /** The bound on local recording storage, in bytes. */
  get maxBytes(): number {
    return this.options.maxBytes ?? DEFAULT_PAM_SESSION_RECORDING_MAX_BYTES;
  }

  /**
   * Opens (or reopens) the recording file of a session; starts the uploader if needed. A session
   * without a recording yet is refused with RecordingStorageFullError once the local recordings
   * take {@link maxBytes}; one that has a recording keeps it.
   */
  async open(sessionId: string, resourceType: string, expiresAt: Date): Promise<SessionRecording> {
    const [dir, key] = await Promise.all([this.dir(), this.key()]);
    this.ensureUploader(dir, key);
    const file = path.join(dir, recordingFileName({ sessionId, resourceType, expiresAt }));
    if (!(await exists(file))) {
      const used = await recordingStorageBytes(dir);
      if (used >= this.maxBytes) {
        const error = new RecordingStorageFullError(used, this.maxBytes);
        this.logger.warn(
          { sessionId, usedBytes: used, maxBytes: this.maxBytes },
          'PAM session refused: local recording storage is full',
        );
        this.options.onStorageFull?.(error);
        throw error;
      }
    }
    return openSessionRecording({ dir, sessionId, resourceType, expiresAt, key });
  }

  /** Keeps a session's recording secrets next to its recording (sealed with the gateway key). */
  async saveSecrets(
    recordingPath: string,
    sessionId: string,
    secrets: RecordingSecrets,
  ): Promise<void> {
    await writeRecordingSecrets(recordingPath, await this.key(), sessionId, secrets);
  }

  /** Bytes the local recordings take now (undefined until the directory is known). */
  async usedBytes(): Promise<number | undefined> {
    if (!this.dirPromise) return undefined;
    return recordingStorageBytes(await this.dirPromise.catch(() => ''));
  }

  /** Events the control plane has not acknowledged yet (undefined until the uploader runs). */
  uploadBacklog(): UploadBacklog | undefined {
    return this.uploader?.backlog();
  }

  /**
   * The session is over: no more events, send what is left, tell the control plane, delete the
   * files. Failures leave the files for the uploader's next passes; the end is still sent.
   */
  async finish(sessionId: string, recording: SessionRecording | undefined): Promise<void> {
    if (recording) {
      await recording
        .markEnded()
        .catch((error: unknown) =>
          this.logger.warn(
            { sessionId, error: message(error) },
            'could not mark the recording ended',
          ),
        );
    }
    if (this.uploader) {
      await this.uploader
        .flush(sessionId)
        .catch((error: unknown) =>
          this.logger.warn(
            { sessionId, error: message(error) },
            'final recording upload failed; will retry in the background',
          ),
        );
    }
    await this.options.platform
      .endSession(sessionId)
      .catch((error: unknown) =>
        this.logger.warn({ sessionId, error: message(error) }, 'could not end the PAM session'),
      );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.leftoverTimer);
    await this.uploader?.stop();
  }

  /**
   * The recording directory (resolved, created if needed, on first use); the PAM SSH host key
   * lives there too (ssh/ssh-host-key.ts).
   */
  directory(): Promise<string> {
    return this.dir();
  }

  private dir(): Promise<string> {
    this.dirPromise ??= resolveRecordingDir(this.options.dir, this.logger).catch(
      (error: unknown) => {
        this.dirPromise = undefined;
        throw error;
      },
    );
    return this.dirPromise;
  }

  private key(): Promise<Buffer> {
    this.keyPromise ??= this.options.platform.fetchSessionKey().catch((error: unknown) => {
      this.keyPromise = undefined;
      throw new Error(`cannot fetch the PAM session key: ${message(error)}`, { cause: error });
    });
    return this.keyPromise;
  }

  private ensureUploader(dir: string, key: Buffer): void {
    if (this.uploader || this.stopped) return;
    const platform = this.options.platform;
    this.uploader = new RecordingUploader({
      dir,
      key,
      uploadChunk: (sessionId, uploadToken, chunk) =>
        platform.uploadChunk(sessionId, uploadToken, chunk),
      uploadEvents: (sessionId, startOffset, events) =>
        platform.uploadEvents(sessionId, startOffset, events),
      end: (sessionId, report) => platform.endSession(sessionId, report),
      intervalMs: this.options.uploadIntervalMs ?? RECORDING_UPLOAD_INTERVAL_MS,
      onError: (sessionId, error) =>
        this.logger.warn({ sessionId, error: message(error) }, 'recording upload failed'),
    });
    this.uploader.start();
    this.logger.info({ dir }, 'PAM session recording uploader started');
  }

  private async resumeLeftovers(): Promise<void> {
    if (this.stopped || this.uploader) return;
    // Only look (never create a directory) until a session needs one.
    let waiting = false;
    for (const dir of recordingDirCandidates(this.options.dir)) {
      const names = await readdir(dir).catch(() => [] as string[]);
      if (names.some((name) => name.startsWith('pam_session_') && name.endsWith('.enc'))) {
        waiting = true;
      }
    }
    if (!waiting) return;
    try {
      const [dir, key] = await Promise.all([this.dir(), this.key()]);
      this.ensureUploader(dir, key);
    } catch (error) {
      this.logger.warn(
        { error: message(error), retryInMs: LEFTOVER_RETRY_MS },
        'cannot resume uploading earlier PAM recordings yet',
      );
      this.leftoverTimer = setTimeout(() => void this.resumeLeftovers(), LEFTOVER_RETRY_MS);
      this.leftoverTimer.unref();
    }
  }
}

/**
 * Where recordings may be, without creating anything: the configured directory, or the default
 * and its fallback (a gateway may have used either).
 */
export function recordingDirCandidates(configured: string | undefined): string[] {
  return configured !== undefined
    ? [configured]
    : [DEFAULT_PAM_SESSION_RECORDING_PATH, FALLBACK_PAM_SESSION_RECORDING_PATH];
}

/**
 * The directory recordings go to: the configured one (created if missing), or the default with a
 * fallback to ~/.burrow/session_recordings when the default cannot be written.
 */
export async function resolveRecordingDir(
  configured: string | undefined,
  logger: Logger,
): Promise<string> {
  if (configured !== undefined) {
    await ensureWritable(configured);
    return configured;
  }
  try {
    await ensureWritable(DEFAULT_PAM_SESSION_RECORDING_PATH);
    return DEFAULT_PAM_SESSION_RECORDING_PATH;
  } catch (error) {
    logger.warn(
      {
        dir: DEFAULT_PAM_SESSION_RECORDING_PATH,
        fallback: FALLBACK_PAM_SESSION_RECORDING_PATH,
        error: message(error),
      },
      'default PAM recording directory is not writable; using the fallback',
    );
    await ensureWritable(FALLBACK_PAM_SESSION_RECORDING_PATH);
    return FALLBACK_PAM_SESSION_RECORDING_PATH;
  }
}

async function ensureWritable(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await access(dir, constants.W_OK);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
