/**
 * The contract between the protocol-neutral PAM core (pam/) and one resource type's protocol
 * (pam/postgres/ today; pam/ssh/, pam/http/ next). The core owns what every PAM session has —
 * credentials fetched once and kept in memory, one recording, the session's lifetime and its live
 * connections — and a protocol owns the bytes:
 *
 *   PamSessions.session(id, protocol, notAfter)  ->  PamSession (credentials, recording, end)
 *   protocol.parseCredentials(answer.credentials, answer.policyRules)
 *                                                 ->  the protocol's credentials (validated once,
 *                                                    at fetch; errors never quote the values),
 *                                                    with the account's policy rules (reference
 *                                                    §8.2; opaque to the core, read by protocols
 *                                                    that enforce them: ssh)
 *   protocol.serve(callerSocket, session, logger) ->  PamConnection, tracked by the session so
 *                                                    that expiry and cancellation close it
 *
 * A protocol reports a refusal the core decided (session ended, credentials refused, recording
 * impossible) in its own way (PostgreSQL: a FATAL ErrorResponse) from `PamSessionError.reason`.
 */
import type tls from 'node:tls';
import type { Logger } from '@burrow/observability';

/** One caller connection of a session, as the session sees it. */
export interface PamConnection {
  /** Ends the connection from the gateway's side, telling the caller `reason` if it can. */
  terminate(reason: string): void;
  readonly closed: Promise<void>;
}

/** What a protocol's connection needs from its session. */
export interface PamSessionContext<Credentials> {
  readonly sessionId: string;
  readonly resourceType: string;
  /** The stored credentials (cached per session); rejects with PamSessionError when refused. */
  credentials(): Promise<Credentials>;
  /**
   * Appends the event to the session recording; resolves once it is on disk and rejects when it
   * could not be written: the protocol must then withhold the answer the event belongs to and
   * close the connection (fail closed).
   */
  record(event: object): Promise<void>;
}

/** One resource type's protocol. */
export interface PamProtocol<Credentials = unknown> {
  /** The resource type of the control plane and of the certificate's `…100.3` (`postgres`). */
  readonly resourceType: string;
  /**
   * Validates the `credentials` object of the control plane's answer; `policyRules` is the
   * answer's top-level `policyRules` (undefined when absent).
   */
  parseCredentials(raw: unknown, policyRules?: unknown): Credentials;
  /** Serves one caller connection of `session` and returns it for the session to track. */
  serve(
    caller: tls.TLSSocket,
    session: PamSessionContext<Credentials>,
    logger: Logger,
  ): PamConnection;
}
