import { HEARTBEAT_PROBE_GATEWAY_ID } from './heartbeat.ts';

/**
 * The relay routing rule (reference §3.4).
 *
 * The relay reads one thing from a caller: the Subject CN of the client certificate it presented
 * on :8443 (already verified against the relay client CA). That CN is the gateway ID to route to.
 * No SNI, ALPN or header is used. The all-zero CN is the control plane's heartbeat probe: the
 * relay completes the handshake and closes. Anything that is not a UUID is refused.
 *
 * On any routing failure the relay closes the connection without writing a byte: the caller is
 * about to start the inner TLS handshake, and plaintext would only confuse it.
 */
export type RelayRoute = { kind: 'heartbeat' } | { kind: 'gateway'; gatewayId: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function routeCallerCommonName(commonName: string | undefined): RelayRoute | undefined {
  if (commonName === undefined) return undefined;
  if (commonName === HEARTBEAT_PROBE_GATEWAY_ID) return { kind: 'heartbeat' };
  if (!UUID.test(commonName)) return undefined;
  return { kind: 'gateway', gatewayId: commonName.toLowerCase() };
}
