import { describe, expect, it } from '@jest/globals';
import { DialError } from '@burrow/tunnel-protocol';
import { isRelayUnavailable } from '../src/relay-unavailable.ts';

function withCode(code: string): Error {
  return Object.assign(new Error(`failure ${code}`), { code });
}

describe('isRelayUnavailable', () => {
  it.each([
    [
      'relay not reachable',
      new DialError('relay-connect', 'connect ECONNREFUSED', withCode('ECONNREFUSED')),
    ],
    ['relay handshake failed', new DialError('relay-tls', 'handshake timed out after 10000 ms')],
    [
      'relay closed: gateway not connected there',
      new DialError('gateway-tls', 'connection closed during the handshake'),
    ],
    [
      'relay reset before the gateway answered',
      new DialError(
        'gateway-tls',
        'Client network socket disconnected before secure TLS connection was established',
        withCode('ECONNRESET'),
      ),
    ],
  ])('%s: try another relay', (_name, error) => {
    expect(isRelayUnavailable(error)).toBe(true);
  });

  it.each([
    [
      'gateway refused the certificate',
      new DialError('gateway-tls', 'alert', withCode('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA')),
    ],
    ['gateway lacks the ALPN', new DialError('gateway-tls', 'gateway did not accept ALPN x')],
    ['gateway too slow', new DialError('gateway-tls', 'handshake timed out after 10000 ms')],
    ['not a dial error', new Error('connection closed during the handshake')],
  ])('%s: every relay would fail the same way', (_name, error) => {
    expect(isRelayUnavailable(error)).toBe(false);
  });
});
