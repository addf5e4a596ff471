import { dialRelay, RELAY_TLS_HANDSHAKE_TIMEOUT_MS } from '@burrow/tunnel-protocol';
import type { Relay } from '../stores/relay-store.ts';
import type { CertificateAuthorities } from './certificate-authorities.ts';
import { issueRelayProbeCredentials } from './caller-credentials.ts';

/**
 * The relay heartbeat probe (reference §3.5): a TLS handshake with the relay's TLS port,
 * verifying its server certificate against the relay server CA and presenting a 60-s relay
 * client certificate with the all-zero CN, which the relay answers by closing.
 *
 * @example
 *   await probeRelay(cas, relay); // throws if the relay cannot be reached or fails the handshake
 */
export async function probeRelay(
  cas: CertificateAuthorities,
  relay: Relay,
  timeoutMs = RELAY_TLS_HANDSHAKE_TIMEOUT_MS,
): Promise<void> {
  const credentials = await issueRelayProbeCredentials(cas, relay);
  const socket = await dialRelay({
    relayHost: relay.host,
    relayPort: relay.tlsPort,
    relay: credentials,
    // dialRelay only uses the relay credentials; the inner ones are never needed here.
    gateway: credentials,
    alpn: [],
    relayHandshakeTimeoutMs: timeoutMs,
  });
  socket.end();
  socket.destroy();
}
