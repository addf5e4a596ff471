/**
 * Every PAM session the gateway serves right now, by session ID, plus the recordings service they
 * share. The PAM actions (pam-proxy, pam-session-cancellation) go through this registry, so that
 * all connections of one session share credentials, recording and lifetime.
 *
 * Each resource type is served by its PamProtocol (pam-protocol.ts); a resource type without one
 * is not served here (and not advertised by infisical-pam-capabilities).
 *
 * An ended session stays known (as ended) until its NotAfter, so a late connection of a cancelled
 * session is refused with "was cancelled" rather than starting over.
 */
import type { Logger } from '@burrow/observability';
import type { PamPlatformClient } from '../platform/pam-platform-client.ts';
import type { PamProtocol } from './pam-protocol.ts';
import { PamRecordings } from './pam-recordings.ts';
import { PamSession } from './pam-session.ts';

export interface PamSessionsOptions {
  /** The protocols this gateway serves, one per resource type. */
  protocols: readonly PamProtocol[];
  platform: PamPlatformClient;
  /** --pam-session-recording-path; undefined for the default. */
  recordingDir: string | undefined;
  logger: Logger;
  uploadIntervalMs?: number;
  /** --pam-session-recording-max-bytes (default: recording-storage.ts). */
  recordingMaxBytes?: number;
  /** Told about every session refused because recording storage is full (metrics). */
  onRecordingStorageFull?: () => void;
  /** A session without activity this long is ended (default: pam-session.ts, 30 min). */
  idleTimeoutMs?: number;
}

export class PamSessions {
  readonly recordings: PamRecordings;
  private readonly options: PamSessionsOptions;
  private readonly protocols: ReadonlyMap<string, PamProtocol>;
  private readonly sessions = new Map<string, PamSession>();
  private readonly endedUntil = new Map<string, { session: PamSession; until: number }>();

  constructor(options: PamSessionsOptions) {
    this.options = options;
    this.protocols = new Map(
      options.protocols.map((protocol) => [protocol.resourceType, protocol]),
    );
    this.recordings = new PamRecordings({
      dir: options.recordingDir,
      platform: options.platform,
      logger: options.logger.child({ component: 'pam-recordings' }),
      ...(options.uploadIntervalMs !== undefined
        ? { uploadIntervalMs: options.uploadIntervalMs }
        : {}),
      ...(options.recordingMaxBytes !== undefined ? { maxBytes: options.recordingMaxBytes } : {}),
      ...(options.onRecordingStorageFull ? { onStorageFull: options.onRecordingStorageFull } : {}),
    });
  }

  /** Resumes uploads left by an earlier run. */
  start(): void {
    this.recordings.start();
  }

  /** The resource types this gateway serves (advertised by infisical-pam-capabilities). */
  get resourceTypes(): string[] {
    return [...this.protocols.keys()];
  }

  /**
   * The live (or recently ended) session for a certificate; created on first use. Undefined when
   * this gateway has no protocol for the resource type.
   */
  session(sessionId: string, resourceType: string, expiresAt: Date): PamSession | undefined {
    const protocol = this.protocols.get(resourceType);
    if (!protocol) return undefined;
    this.forgetExpired();
    const ended = this.endedUntil.get(sessionId);
    if (ended) return ended.session;
    let session = this.sessions.get(sessionId);
    if (session) {
      session.extendTo(expiresAt);
      return session;
    }
    session = new PamSession({
      sessionId,
      protocol,
      expiresAt,
      platform: this.options.platform,
      recordings: this.recordings,
      logger: this.options.logger.child({ sessionId }),
      ...(this.options.idleTimeoutMs !== undefined
        ? { idleTimeoutMs: this.options.idleTimeoutMs }
        : {}),
      onEnded: (done) => {
        this.sessions.delete(done.sessionId);
        this.endedUntil.set(done.sessionId, {
          session: done,
          until: Math.max(expiresAt.getTime(), Date.now()),
        });
      },
    });
    this.sessions.set(sessionId, session);
    return session;
  }

  /** Cancels a session: closes its connections, finishes its recording, ends it upstream. */
  async cancel(sessionId: string, resourceType: string, expiresAt: Date): Promise<void> {
    const session = this.session(sessionId, resourceType, expiresAt);
    // A type this gateway does not serve has no connection or recording here: only end it upstream.
    if (session) await session.end('cancelled');
    else await this.recordings.finish(sessionId, undefined);
  }

  /** Gateway shutdown: every connection closed; recordings stay for the next run. */
  async stop(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((session) => session.shutdown()));
    await this.recordings.stop();
  }

  private forgetExpired(): void {
    const now = Date.now();
    for (const [id, entry] of this.endedUntil) if (entry.until < now) this.endedUntil.delete(id);
  }
}
