import { dialRelay, CALLER_RELAY_STAGE_TIMEOUT_MS } from '@burrow/tunnel-protocol';
import type { Relay } from '../stores/relay-store.ts';
import type { CertificateAuthorities } from './certificate-authorities.ts';
import { issueRelayProbeCredentials } from './caller-credentials.ts';

/**
 * The relay heartbeat probe (reference §3.5): a TLS handshake with the relay's TLS port,
 * verifying its server certificate against the relay server CA and presenting a 60-s relay
 * client certificate with the all-zero CN, which the relay answers by closing.
 *
 * Under TLS 1.3 the client finishes its handshake before the relay has checked the client
 * certificate, so the probe then waits (briefly) for the relay to close the connection, as it
 * does for the all-zero CN. A relay that answers with a TLS alert fails the probe; one that just
 * closes cannot be told apart from an accepted probe (the reference has the same limit).
 *
 * @example
 *   await probeRelay(cas, relay); // throws if the relay cannot be reached or fails the handshake
 */
/** How long to wait for the relay to close after the handshake before calling it reachable. */
export const RELAY_PROBE_CLOSE_WAIT_MS = 2_000;

export async function probeRelay(
  cas: CertificateAuthorities,
  relay: Relay,
  timeoutMs = CALLER_RELAY_STAGE_TIMEOUT_MS,
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
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, RELAY_PROBE_CLOSE_WAIT_MS);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`relay refused the probe: ${error.message}`));
      });
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.resume();
    });
  } finally {
    socket.destroy();
  }
}
