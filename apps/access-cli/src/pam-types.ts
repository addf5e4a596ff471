/**
 * The PAM shapes `burrow` reads from the control plane (docs/pam-contract.md, reference §8.1).
 */

/** `POST /api/v1/pam/accounts/access` answer. */
export interface PamAccessResponse {
  sessionId: string;
  accountType?: string;
  resourceType: string;
  metadata: {
    username?: string;
    database?: string;
    accountName?: string;
    resourceName?: string;
    [key: string]: unknown;
  };
  /** `host` or `host:port` of the relay's TLS listener. */
  relayHost: string;
  relayClientCertificate: string;
  relayClientPrivateKey: string;
  relayServerCertificateChain: string;
  gatewayClientCertificate: string;
  gatewayClientPrivateKey: string;
  gatewayServerCertificateChain: string;
  /**
   * Burrow HA (additive): every relay that holds the gateway, in the order to try them; the first
   * is the one in relayHost/relayClient*. Absent from reference control planes.
   */
  relays?: PamRelay[];
}

/** One entry of {@link PamAccessResponse.relays}: a relay and the client certificate for it. */
export interface PamRelay {
  /** `host` or `host:port` of the relay's TLS listener. */
  relayHost: string;
  relayClientCertificate: string;
  relayClientPrivateKey: string;
  relayServerCertificateChain: string;
}

/** One recorded database event (reference §8.4). */
export interface PamEvent {
  timestamp: string;
  input: string;
  output: string;
}

/** A row of `GET /api/v1/pam/sessions`; `GET /api/v1/pam/sessions/:id` adds `events`. */
export interface PamSession {
  id: string;
  accountPath?: string;
  resourceType?: string;
  status: string;
  reason?: string | null;
  createdAt?: string;
  endedAt?: string | null;
  expiresAt?: string | null;
  eventCount?: number;
  events?: PamEvent[];
  /** What the control plane knows is missing from the recording (e.g. a chunk that never arrived). */
  recordingProblems?: string[];
}

/** A row of `GET /api/v1/pam/accounts` (never a password). */
export interface PamAccountRow {
  path: string;
  resourceType: string;
  username?: string;
  createdAt?: string;
}

/** A row of `GET /api/v2/gateways`. */
export interface GatewayRow {
  id: string;
  name: string;
  relayName?: string | null;
  heartbeat?: string | null;
  isHealthy?: boolean;
}
