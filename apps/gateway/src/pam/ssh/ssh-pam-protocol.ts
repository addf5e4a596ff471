/**
 * SSH as a PAM protocol (pam-protocol.ts): resource type `ssh`, credentials checked by
 * ssh-credentials.ts with the account's policy rules (ssh-policy-rules.ts), each caller
 * connection driven by an SshPamConnection. Per session (kept with the session object) the
 * protocol numbers channels and measures elapsed time, so that the events of every connection of
 * one session share one timeline.
 */
import type tls from 'node:tls';
import type { Logger } from '@burrow/observability';
import type { PamConnection, PamProtocol, PamSessionContext } from '../pam-protocol.ts';
import { parseSshCredentials } from './ssh-credentials.ts';
import type { PamSshHostKey } from './ssh-host-key.ts';
import type { SshSessionCredentials } from './ssh-pam-connection.ts';
import { SshPamConnection } from './ssh-pam-connection.ts';
import { parseSshPolicyRules } from './ssh-policy-rules.ts';

export const SSH_RESOURCE_TYPE = 'ssh';

export interface SshPamProtocolOptions {
  /** The gateway's PAM SSH server key (ssh-host-key.ts `cachedPamSshHostKey`). */
  hostKey: () => Promise<PamSshHostKey>;
}

/**
 * @example
 *   const sessions = new PamSessions({ protocols: [createSshPamProtocol({ hostKey }), …], … });
 */
export function createSshPamProtocol(
  options: SshPamProtocolOptions,
): PamProtocol<SshSessionCredentials> {
  const timelines = new WeakMap<object, { startedAt: number; channels: number }>();
  const timelineOf = (session: object): { startedAt: number; channels: number } => {
    let timeline = timelines.get(session);
    if (!timeline) {
      timeline = { startedAt: performance.now(), channels: 0 };
      timelines.set(session, timeline);
    }
    return timeline;
  };
  return {
    resourceType: SSH_RESOURCE_TYPE,
    parseCredentials(raw: unknown, policyRules?: unknown): SshSessionCredentials {
      return { target: parseSshCredentials(raw), policy: parseSshPolicyRules(policyRules) };
    },
    serve(
      caller: tls.TLSSocket,
      session: PamSessionContext<SshSessionCredentials>,
      logger: Logger,
    ): PamConnection {
      const timeline = timelineOf(session);
      const connection = new SshPamConnection(
        caller,
        {
          sessionId: session.sessionId,
          credentials: () => session.credentials(),
          record: (event: object) => session.record(event),
          elapsedSeconds: () => (performance.now() - timeline.startedAt) / 1000,
          nextChannelId: () => timeline.channels++,
          hostKey: options.hostKey,
        },
        logger,
      );
      connection.start();
      return connection;
    },
  };
}
