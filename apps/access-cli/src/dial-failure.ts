import { DialError } from '@burrow/tunnel-protocol';
import { formatRelayAddress, type RelayAddress } from './relay-address.ts';
import { RelayDialError } from './relay-dialer.ts';

/**
 * Which hop of a tunnel failed, for people:
 *
 *   relay-connect → "the relay at 127.0.0.1:8443 is not reachable (ECONNREFUSED)"
 *   relay-tls     → "the relay at 127.0.0.1:8443 refused the connection (…)"
 *   gateway-tls   → "the gateway is not reachable through the relay at … (offline, restarting, or …)"
 *   gateway-identity → "the relay at … connected this session to the wrong gateway, so nothing was
 *                    sent (expected gateway …, the gateway presented …); the relay may be compromised"
 *
 * A {@link RelayDialError} (several relays tried) names every hop tried, in order, separated by
 * "; " — one relay tried reads exactly like that relay's failure.
 *
 * @example
 *   describeDialFailure(error, { host: '127.0.0.1', port: 8443 });
 */
export function describeDialFailure(error: unknown, relay: RelayAddress): string {
  if (error instanceof RelayDialError && error.attempts.length > 0) {
    return error.attempts
      .map((attempt) => describeDialFailure(attempt.error, attempt.relay))
      .join('; ');
  }
  const where = formatRelayAddress(relay);
  if (error instanceof DialError) {
    const cause = error.cause as { code?: string } | undefined;
    const reason = cause?.code ?? error.message.replace(/^[a-z-]+: /, '');
    switch (error.stage) {
      case 'relay-connect':
        return `the relay at ${where} is not reachable (${reason})`;
      case 'relay-tls':
        return `the relay at ${where} refused the connection (${reason})`;
      case 'gateway-tls':
        return `the gateway is not reachable through the relay at ${where} (offline, restarting, or it refused this session: ${reason})`;
      case 'gateway-identity':
        return `the relay at ${where} connected this session to the wrong gateway, so nothing was sent (${reason}); the relay may be compromised`;
    }
  }
  return `the tunnel through the relay at ${where} failed (${error instanceof Error ? error.message : String(error)})`;
}
