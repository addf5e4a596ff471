/**
 * The control-plane calls the gateway's PAM sessions and recordings make (reference §8.2/§8.4),
 * as a narrow port the protocol-neutral pam/ code depends on (and tests fake). The routes and their
 * schemas are @burrow/platform-api's (pamSessionCredentials — with the session's recording
 * secrets —, gatewayPamSessionKey, recordPamSessionChunk, uploadPamSessionEvents, endPamSession);
 * the calls go through its PlatformClient with the gateway's machine identity token. The password
 * and the recording secrets are only ever held in memory (the secrets also sealed on disk by
 * pam-recordings.ts) and are never part of an error message or log line.
 */
import {
  GATEWAY_UPLOAD_TOKEN_HEADER,
  PAM_SESSION_KEY_BYTES,
  routes,
  type PlatformClient,
} from '@burrow/platform-api';
import type { ChunkUploadBody, RecordingSecrets, SessionEndReport } from '@burrow/session-recorder';

export { PAM_SESSION_KEY_BYTES };

export interface SessionCredentials {
  /** The account's credentials as sent (their shape depends on the resource type; never logged). */
  readonly credentials: object;
  /** The account's policy rules (reference §8.2), as sent; undefined when absent. */
  readonly policyRules: unknown;
  /** When the control plane says the session ends, if it said a valid time. */
  readonly expiresAt: Date | undefined;
  /** The session's recording secrets, when the control plane hands them out (chunk uploads). */
  readonly recording: RecordingSecrets | undefined;
}

export interface PamPlatformClient {
  fetchCredentials(sessionId: string): Promise<SessionCredentials>;
  fetchSessionKey(): Promise<Buffer>;
  /** Events of a session without recording secrets, from byte `startOffset` of its file. */
  uploadEvents(sessionId: string, startOffset: number, events: unknown[]): Promise<void>;
  /** One sealed chunk of a session's recording. */
  uploadChunk(sessionId: string, uploadToken: string, chunk: ChunkUploadBody): Promise<void>;
  /**
   * Ends the session; with the uploader's report once its recording is uploaded (the events it
   * holds, or why fewer arrived).
   */
  endSession(sessionId: string, report?: SessionEndReport): Promise<void>;
}

/**
 * @example
 *   const client = createPamPlatformClient(new PlatformClient({ apiUrl, token }));
 *   const { credentials } = await client.fetchCredentials(sessionId);
 */
export function createPamPlatformClient(platform: Pick<PlatformClient, 'call'>): PamPlatformClient {
  return {
    async fetchCredentials(sessionId) {
      const answer = await platform.call(routes.pamSessionCredentials, { params: { sessionId } });
      const expiresAt = Date.parse(answer.expiresAt);
      return {
        credentials: answer.credentials,
        policyRules: answer.policyRules,
        expiresAt: Number.isNaN(expiresAt) ? undefined : new Date(expiresAt),
        recording:
          // Chunks go inline (the postgres backend); object storage is not spoken here, and
          // without secrets the uploader falls back to event batches.
          answer.recording?.storageBackend === 'postgres'
            ? recordingSecrets(answer.recording)
            : undefined,
      };
    },
    async fetchSessionKey() {
      const key = await platform.call(routes.gatewayPamSessionKey);
      if (key.length !== PAM_SESSION_KEY_BYTES) {
        throw new Error(
          `the PAM session key from the control plane has ${key.length} bytes, not ${PAM_SESSION_KEY_BYTES}`,
        );
      }
      return key;
    },
    async uploadEvents(sessionId, startOffset, events) {
      await platform.call(routes.uploadPamSessionEvents, {
        params: { sessionId },
        query: { startOffset },
        body: events as Array<Record<string, unknown>>,
      });
    },
    async uploadChunk(sessionId, uploadToken, chunk) {
      await platform.call(routes.recordPamSessionChunk, {
        params: { sessionId },
        body: chunk,
        headers: { [GATEWAY_UPLOAD_TOKEN_HEADER]: uploadToken },
      });
    },
    async endSession(sessionId, report = {}) {
      await platform.call(routes.endPamSession, { params: { sessionId }, body: report });
    },
  };
}

/** The credentials answer's `recording` (reference §8.2), checked. */
function recordingSecrets(recording: {
  sessionKey: string;
  uploadToken: string;
  storageBackend: string;
  projectId: string;
}): RecordingSecrets {
  const sessionKey = Buffer.from(recording.sessionKey, 'base64');
  if (sessionKey.length !== 32) throw new Error('recording.sessionKey is not 32 bytes');
  return {
    sessionKey,
    uploadToken: recording.uploadToken,
    projectId: recording.projectId,
    storageBackend: recording.storageBackend,
  };
}
