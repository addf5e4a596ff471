import { DialError } from '@burrow/tunnel-protocol';

/**
 * True when a dial failed because of the relay, so another relay may well work:
 *
 *   relay-connect  the relay's TLS port cannot be reached (refused, unreachable, timed out)
 *   relay-tls      the relay's TLS handshake failed (restarting, overloaded, wrong certificate)
 *   gateway-tls    the connection closed or was reset before the gateway said anything: the relay
 *                  closes a verified caller without a byte when the gateway is not connected to
 *                  it (tunnel-protocol relay-routing.ts), when its stream limit is reached, or
 *                  while it drains
 *
 * Not a relay problem, so the next relay would fail the same way: the gateway refusing the inner
 * handshake (a TLS alert), not offering the ALPN, or not answering in time.
 *
 * @example
 *   if (isRelayUnavailable(error)) tryTheNextRelay();
 */
export function isRelayUnavailable(error: unknown): boolean {
  if (!(error instanceof DialError)) return false;
  if (error.stage === 'relay-connect' || error.stage === 'relay-tls') return true;
  const cause = error.cause as { code?: unknown } | undefined;
  if (cause === undefined) return error.message.endsWith('connection closed during the handshake');
  return cause.code === 'ECONNRESET' || cause.code === 'EPIPE';
}
