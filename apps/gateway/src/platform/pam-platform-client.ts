/**
 * The control plane routes the gateway uses for PAM (docs/pam-contract.md, reference §8.2/§8.4):
 *
 *   GET  /api/v1/pam/sessions/:id/credentials   -> {credentials:{…the resource type's…}, expiresAt}
 *                                                   (postgres: pam/postgres/postgres-credentials.ts)
 *                                                   403 not this gateway's session, 410 ended/expired
 *   GET  /api/v2/gateways/pam-session-key        -> raw 32 bytes
 *   POST /api/v1/pam/sessions/:id/event-batches?startOffset=N  [events] -> {acknowledgedEvents}
 *   POST /api/v1/pam/sessions/:id/end            {} -> {session:{…}}
 *
 * All with the gateway's machine identity token. The password is only ever held in memory and
 * is never part of an error message or log line.
 */
import { callPlatform } from './platform-request.ts';

/** PAM key length: AES-256. */
export const PAM_SESSION_KEY_BYTES = 32;

export interface SessionCredentials {
  /** The account's credentials as sent (their shape depends on the resource type; never logged). */
  readonly credentials: object;
  /** When the control plane says the session ends (ISO-8601), if it said. */
  readonly expiresAt: Date | undefined;
}

export interface PamPlatformClient {
  fetchCredentials(sessionId: string): Promise<SessionCredentials>;
  fetchSessionKey(): Promise<Buffer>;
  uploadEvents(
    sessionId: string,
    startOffset: number,
    events: unknown[],
  ): Promise<{ acknowledgedEvents: number }>;
  endSession(sessionId: string): Promise<void>;
}

/**
 * @example
 *   const client = createPamPlatformClient(apiUrl, () => session.accessToken);
 *   const { credentials } = await client.fetchCredentials(sessionId);
 */
export function createPamPlatformClient(
  apiUrl: string,
  accessToken: () => string,
): PamPlatformClient {
  const sessionPath = (sessionId: string): string =>
    `/v1/pam/sessions/${encodeURIComponent(sessionId)}`;
  return {
    async fetchCredentials(sessionId) {
      const answer = await callPlatform({
        method: 'GET',
        apiUrl,
        path: `${sessionPath(sessionId)}/credentials`,
        accessToken: accessToken(),
        responseType: 'json',
      });
      return parseCredentials(answer);
    },
    async fetchSessionKey() {
      const key = await callPlatform({
        method: 'GET',
        apiUrl,
        path: '/v2/gateways/pam-session-key',
        accessToken: accessToken(),
        responseType: 'bytes',
      });
      if (key.length !== PAM_SESSION_KEY_BYTES) {
        throw new Error(
          `the PAM session key from the control plane has ${key.length} bytes, not ${PAM_SESSION_KEY_BYTES}`,
        );
      }
      return key;
    },
    async uploadEvents(sessionId, startOffset, events) {
      const answer = (await callPlatform({
        method: 'POST',
        apiUrl,
        path: `${sessionPath(sessionId)}/event-batches?startOffset=${startOffset}`,
        accessToken: accessToken(),
        body: events,
        responseType: 'json',
      })) as { acknowledgedEvents?: unknown } | undefined;
      const acknowledged = answer?.acknowledgedEvents;
      if (typeof acknowledged !== 'number' || !Number.isInteger(acknowledged) || acknowledged < 0) {
        throw new Error('event-batches answered without a valid acknowledgedEvents');
      }
      return { acknowledgedEvents: acknowledged };
    },
    async endSession(sessionId) {
      await callPlatform({
        method: 'POST',
        apiUrl,
        path: `${sessionPath(sessionId)}/end`,
        accessToken: accessToken(),
        body: {},
        responseType: 'json',
      });
    },
  };
}

/**
 * Reads the credentials answer: the `credentials` object is handed, unread, to the resource type's
 * protocol (which validates it); `expiresAt` is read here.
 */
export function parseCredentials(answer: unknown): SessionCredentials {
  const root = answer as { credentials?: unknown; expiresAt?: unknown } | undefined;
  const credentials = root?.credentials;
  if (!credentials || typeof credentials !== 'object') {
    throw new Error('credentials answer has no credentials object');
  }
  const expiresAt =
    typeof root.expiresAt === 'string' && !Number.isNaN(Date.parse(root.expiresAt))
      ? new Date(root.expiresAt)
      : undefined;
  return { credentials, expiresAt };
}
