/**
 * ALPN names of the inner TLS session between a caller and a gateway (reference §5.5).
 * The ALPN the gateway and caller agree on selects the action; one TLS session = one action.
 * A caller offering an ALPN the gateway does not serve fails the handshake.
 */
export const ALPN = {
  tcpProxy: 'infisical-tcp-proxy',
  httpProxy: 'infisical-http-proxy',
  pamProxy: 'infisical-pam-proxy',
  ping: 'infisical-ping',
  health: 'infisical-health',
  pamCapabilities: 'infisical-pam-capabilities',
  pamSessionCancellation: 'infisical-pam-session-cancellation',
  /** Platform only: one HTTP request `POST /v1/test-connection` (connection-test.ts). */
  connectionTest: 'infisical-connection-test',
  /**
   * Burrow's own (the reference has none): the control plane tells a gateway to check its
   * standing with the control plane now (it was deleted, or a relay of it was). No payload; the
   * gateway acts only on what the control plane then answers it.
   */
  gatewayCheckIn: 'burrow-gateway-check-in',
} as const;

export type AlpnName = (typeof ALPN)[keyof typeof ALPN];
