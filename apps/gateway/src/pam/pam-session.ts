/**
 * One PAM session as the gateway sees it (reference §8.2): every caller connection that presents
 * a certificate with the same `…100.3 sessionId`, up to the certificate's NotAfter.
 *
 *   credentials   fetched at the first connection, cached until the session ends (never logged)
 *   recording     one encrypted file per session; every connection's query events in order
 *   connections   the live ones, so expiry and cancellation can close them all
 *   idle          no recorded event and no new connection for idleTimeoutMs (the reference's
 *                 30 min idle reaper) ends the session ("idle"), connections included
 *   end           at NotAfter ("expired") or by the cancellation ALPN ("cancelled"): every
 *                 connection is told why (PostgreSQL: a FATAL error) and closed, the recording is marked ended and
 *                 flushed, the control plane is told (POST …/end). Later connections of the
 *                 session are refused with the same reason.
 *
 * Protocol-neutral: the bytes of each connection belong to the session's PamProtocol
 * (pam-protocol.ts), which also validates the credentials.
 */
import type tls from 'node:tls';
import type { RecordingSecrets, SessionRecording } from '@burrow/session-recorder';
import type { Logger } from '@burrow/observability';
import type { PamPlatformClient } from '../platform/pam-platform-client.ts';
import type { PamRecordings } from './pam-recordings.ts';
import { PlatformError } from '@burrow/platform-api';
import type { PamConnection, PamProtocol, PamSessionContext } from './pam-protocol.ts';
import { PamSessionError } from './pam-session-error.ts';

/** setTimeout holds at most 2^31 - 1 ms; longer sessions re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** A session without any recorded I/O or new connection this long is ended (reference §8.2). */
export const PAM_SESSION_IDLE_TIMEOUT_MS = 30 * 60_000;

export type PamSessionEnd = 'expired' | 'cancelled' | 'idle';

export interface PamSessionOptions<Credentials> {
  sessionId: string;
  /** The session's resource type and how its connections speak. */
  protocol: PamProtocol<Credentials>;
  /** The caller certificate's NotAfter: the session ends then. */
  expiresAt: Date;
  platform: PamPlatformClient;
  recordings: PamRecordings;
  logger: Logger;
  /** Called once the session has ended and been cleaned up. */
  onEnded: (session: PamSession<Credentials>) => void;
  /** Default PAM_SESSION_IDLE_TIMEOUT_MS. */
  idleTimeoutMs?: number;
}

export class PamSession<Credentials = unknown> implements PamSessionContext<Credentials> {
  readonly sessionId: string;
  readonly resourceType: string;
  readonly protocol: PamProtocol<Credentials>;
  private expiresAt: Date;
  private readonly options: PamSessionOptions<Credentials>;
  private readonly logger: Logger;
  private readonly connections = new Set<PamConnection>();
  private credentialsPromise: Promise<Credentials> | undefined;
  /** The session's recording secrets from the credentials answer (chunk uploads). */
  private recordingSecrets: RecordingSecrets | undefined;
  private secretsSaved: Promise<void> | undefined;
  private recordingPromise: Promise<SessionRecording> | undefined;
  private recording: SessionRecording | undefined;
  /** Appends not settled yet (the session waits for them before it closes the recording). */
  private readonly appending = new Set<Promise<void>>();
  /** Appends made before the recording was open, still waiting for it (they keep their order). */
  private waitingForRecording = 0;
  private expiryTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private lastActivity = Date.now();
  private readonly idleTimeoutMs: number;
  private endReason: PamSessionEnd | undefined;
  private ending: Promise<void> | undefined;

  constructor(options: PamSessionOptions<Credentials>) {
    this.options = options;
    this.sessionId = options.sessionId;
    this.protocol = options.protocol;
    this.resourceType = options.protocol.resourceType;
    this.expiresAt = options.expiresAt;
    this.logger = options.logger;
    this.idleTimeoutMs = options.idleTimeoutMs ?? PAM_SESSION_IDLE_TIMEOUT_MS;
    this.armExpiry();
    this.armIdle();
  }

  /** Why the session ended, or undefined while it is live. */
  get ended(): PamSessionEnd | undefined {
    return this.endReason;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** A later certificate of the same session may carry a later NotAfter: the latest wins. */
  extendTo(expiresAt: Date): void {
    if (expiresAt.getTime() <= this.expiresAt.getTime()) return;
    this.expiresAt = expiresAt;
    this.armExpiry();
  }

  /** Hands a caller connection to the protocol and tracks it until it closes. */
  serve(caller: tls.TLSSocket, logger: Logger): PamConnection {
    this.lastActivity = Date.now();
    const connection = this.protocol.serve(caller, this, logger);
    this.connections.add(connection);
    void connection.closed.then(() => this.connections.delete(connection));
    return connection;
  }

  /** Why a new connection must be refused right now, or undefined. */
  refusal(): PamSessionError | undefined {
    if (this.endReason === 'cancelled') {
      return new PamSessionError(`the PAM session ${this.sessionId} was cancelled`, 'ended');
    }
    if (this.endReason === 'idle') return new PamSessionError(this.idleMessage(), 'ended');
    if (this.endReason === 'expired' || Date.now() >= this.expiresAt.getTime()) {
      return new PamSessionError(
        `the PAM session ${this.sessionId} expired at ${this.expiresAt.toISOString()}`,
        'ended',
      );
    }
    return undefined;
  }

  /** Credentials (cached) and an open recording; PamSessionError with a clear reason otherwise. */
  async credentials(): Promise<Credentials> {
    const refusal = this.refusal();
    if (refusal) throw refusal;
    this.credentialsPromise ??= this.fetchCredentials().catch((error: unknown) => {
      this.credentialsPromise = undefined;
      throw error;
    });
    this.recordingPromise ??= this.options.recordings
      .open(this.sessionId, this.resourceType, this.expiresAt)
      .then((recording) => (this.recording = recording))
      .catch((error: unknown) => {
        this.recordingPromise = undefined;
        throw new PamSessionError(
          `gateway cannot record this session, so it is refused: ${messageOf(error)}`,
          'not-recordable',
        );
      });
    const [credentials, recording] = await Promise.all([
      this.credentialsPromise,
      this.recordingPromise,
    ]);
    // The chunk uploads' secrets are on disk before the first event can be recorded (the caller
    // only reaches the database after this resolves), so no event goes out another way.
    this.secretsSaved ??= this.saveRecordingSecrets(recording).catch((error: unknown) => {
      this.secretsSaved = undefined;
      throw new PamSessionError(
        `gateway cannot record this session, so it is refused: ${messageOf(error)}`,
        'not-recordable',
      );
    });
    await this.secretsSaved;
    const late = this.refusal();
    if (late) throw late;
    return credentials;
  }

  /**
   * Appends an event (in order with every other connection's); resolves once it is on disk and
   * rejects when it could not be written — the caller must then withhold the answer it belongs
   * to (fail closed). A failure does not stop later appends. Appends of all connections share
   * the recording's fsyncs (group commit in @burrow/session-recorder): none waits for another's.
   */
  record(event: object): Promise<void> {
    this.lastActivity = Date.now();
    let appended: Promise<unknown>;
    if (this.recording && this.waitingForRecording === 0) {
      appended = this.recording.append(event);
    } else {
      this.waitingForRecording += 1;
      appended = (
        this.recordingPromise ?? Promise.reject(new Error('the recording is not open'))
      ).then(
        (recording) => {
          this.waitingForRecording -= 1;
          return recording.append(event); // queues it before a later direct append can
        },
        (error: unknown) => {
          this.waitingForRecording -= 1;
          throw error;
        },
      );
    }
    const append = appended.then(
      () => undefined,
      (error: unknown) => {
        // The event itself is never logged: it may hold sensitive query text.
        this.logger.error({ error: messageOf(error) }, 'could not append to the session recording');
        throw error;
      },
    );
    const settled = append.catch(() => undefined);
    this.appending.add(settled);
    void settled.then(() => this.appending.delete(settled));
    return append;
  }

  /** Resolves when every append made so far has settled. */
  private async appendsSettled(): Promise<void> {
    await Promise.all([...this.appending]);
  }

  /**
   * Ends the session: closes every connection with a clear error, finishes the recording and
   * tells the control plane. Idempotent; resolves when done.
   */
  end(reason: PamSessionEnd): Promise<void> {
    this.ending ??= this.runEnd(reason);
    return this.ending;
  }

  /** Gateway shutdown: connections closed, recording left for the next run (not ended). */
  async shutdown(): Promise<void> {
    clearTimeout(this.expiryTimer);
    clearTimeout(this.idleTimer);
    const closing = [...this.connections].map((connection) => {
      connection.terminate('the gateway is shutting down');
      return connection.closed;
    });
    await Promise.all(closing);
    await this.appendsSettled();
    await this.recording?.close().catch(() => undefined);
  }

  private async runEnd(reason: PamSessionEnd): Promise<void> {
    this.endReason = reason;
    clearTimeout(this.expiryTimer);
    clearTimeout(this.idleTimer);
    const message =
      reason === 'cancelled'
        ? `the PAM session ${this.sessionId} was cancelled`
        : reason === 'idle'
          ? this.idleMessage()
          : `the PAM session ${this.sessionId} expired at ${this.expiresAt.toISOString()}`;
    this.logger.info({ reason, connections: this.connections.size }, 'PAM session ending');
    const closing = [...this.connections].map((connection) => {
      connection.terminate(message);
      return connection.closed;
    });
    await Promise.all(closing);
    await this.appendsSettled();
    const recording = this.recording ?? (await this.recordingPromise?.catch(() => undefined));
    await this.options.recordings.finish(this.sessionId, recording);
    this.credentialsPromise = undefined;
    this.logger.info({ reason }, 'PAM session ended');
    this.options.onEnded(this);
  }

  private armIdle(): void {
    clearTimeout(this.idleTimer);
    const due = this.lastActivity + this.idleTimeoutMs - Date.now();
    this.idleTimer = setTimeout(
      () => {
        if (this.endReason) return;
        if (Date.now() - this.lastActivity >= this.idleTimeoutMs) void this.end('idle');
        else this.armIdle();
      },
      Math.max(0, Math.min(due, MAX_TIMER_MS)),
    );
    this.idleTimer.unref();
  }

  private idleMessage(): string {
    const minutes = this.idleTimeoutMs / 60_000;
    const span =
      minutes >= 1 && Number.isInteger(minutes)
        ? `${minutes} minute${minutes === 1 ? '' : 's'}`
        : `${this.idleTimeoutMs / 1000} s`;
    return `the PAM session ${this.sessionId} ended after ${span} without activity`;
  }

  private armExpiry(): void {
    clearTimeout(this.expiryTimer);
    const delay = this.expiresAt.getTime() - Date.now();
    this.expiryTimer = setTimeout(
      () => {
        if (Date.now() >= this.expiresAt.getTime()) void this.end('expired');
        else this.armExpiry();
      },
      Math.max(0, Math.min(delay, MAX_TIMER_MS)),
    );
    this.expiryTimer.unref();
  }

  private async saveRecordingSecrets(recording: SessionRecording): Promise<void> {
    const secrets = this.recordingSecrets;
    if (secrets) await this.options.recordings.saveSecrets(recording.path, this.sessionId, secrets);
  }

  private async fetchCredentials(): Promise<Credentials> {
    try {
      const answer = await this.options.platform.fetchCredentials(this.sessionId);
      this.recordingSecrets = answer.recording;
      const credentials = this.protocol.parseCredentials(answer.credentials, answer.policyRules);
      if (answer.expiresAt && answer.expiresAt.getTime() < this.expiresAt.getTime()) {
        this.expiresAt = answer.expiresAt;
        this.armExpiry();
      }
      return credentials;
    } catch (error) {
      throw credentialsError(this.sessionId, error);
    }
  }
}

function credentialsError(sessionId: string, error: unknown): PamSessionError {
  if (error instanceof PlatformError) {
    if (error.status === 410) {
      return new PamSessionError(`the PAM session ${sessionId} has ended or expired`, 'ended');
    }
    if (error.status === 403 || error.status === 404) {
      return new PamSessionError(
        `the control plane refused this gateway the credentials of PAM session ${sessionId} (HTTP ${error.status})`,
        'refused',
      );
    }
  }
  return new PamSessionError(
    `gateway could not fetch the credentials of PAM session ${sessionId}: ${messageOf(error)}`,
    'unavailable',
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
