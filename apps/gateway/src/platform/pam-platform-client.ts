/**
 * The control-plane calls the gateway's PAM sessions and recordings make (reference §8.2/§8.4),
 * as a narrow port the protocol-neutral pam/ code depends on (and tests fake). The routes and their
 * schemas are @burrow/platform-api's (pamSessionCredentials, gatewayPamSessionKey,
 * uploadPamSessionEvents, endPamSession); the calls go through its PlatformClient with the
 * gateway's machine identity token. The password is only ever held in memory and is never part of
 * an error message or log line.
 */
import { PAM_SESSION_KEY_BYTES, routes, type PlatformClient } from '@burrow/platform-api';

export { PAM_SESSION_KEY_BYTES };

export interface SessionCredentials {
  /** The account's credentials as sent (their shape depends on the resource type; never logged). */
  readonly credentials: object;
  /** When the control plane says the session ends, if it said a valid time. */
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
        expiresAt: Number.isNaN(expiresAt) ? undefined : new Date(expiresAt),
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
    uploadEvents: (sessionId, startOffset, events) =>
      platform.call(routes.uploadPamSessionEvents, {
        params: { sessionId },
        query: { startOffset },
        body: events as Array<Record<string, unknown>>,
      }),
    async endSession(sessionId) {
      await platform.call(routes.endPamSession, { params: { sessionId } });
    },
  };
}
