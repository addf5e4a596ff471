import type tls from 'node:tls';
import { describe, expect, it } from '@jest/globals';
import {
  ALPN,
  DialError,
  RelayFailureMemory,
  type DialGatewayOptions,
} from '@burrow/tunnel-protocol';
import { describeDialFailure } from '../src/dial-failure.ts';
import { RelayDialer, RelayDialError } from '../src/relay-dialer.ts';
import type { RelayRoute } from '../src/relay-routes.ts';

/**
 * RelayDialer with a stand-in dial: each relay (by port) either works, is down, does not hold the
 * gateway, or leads to a gateway that refuses; a fake clock drives the 30 s failure memory.
 */
type Behaviour = 'ok' | 'down' | 'tls' | 'no-gateway' | 'gateway-refuses';

const route = (port: number): RelayRoute => ({
  address: { host: '127.0.0.1', port },
  credentials: {
    certificate: `cert-${port}`,
    privateKey: `key-${port}`,
    serverCertificateChain: 'c',
  },
});

function setup(behaviours: Record<number, Behaviour>) {
  let now = 0;
  const dialed: number[] = [];
  const seen: DialGatewayOptions[] = [];
  const dial = (options: DialGatewayOptions): Promise<tls.TLSSocket> => {
    const port = options.relayPort as number;
    dialed.push(port);
    seen.push(options);
    switch (behaviours[port]) {
      case 'ok':
        options.sessions!.relay = Buffer.from(`relay-ticket-${port}`);
        options.sessions!.gateway = Buffer.from(`gateway-ticket-via-${port}`);
        return Promise.resolve({ port } as unknown as tls.TLSSocket);
      case 'down':
        return Promise.reject(
          new DialError(
            'relay-connect',
            `connect ECONNREFUSED 127.0.0.1:${port}`,
            Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }),
          ),
        );
      case 'tls':
        return Promise.reject(new DialError('relay-tls', 'handshake timed out after 10000 ms'));
      case 'no-gateway':
        return Promise.reject(
          new DialError('gateway-tls', 'connection closed during the handshake'),
        );
      default:
        return Promise.reject(
          new DialError(
            'gateway-tls',
            'alert certificate unknown',
            Object.assign(new Error('alert'), { code: 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN' }),
          ),
        );
    }
  };
  const ports = Object.keys(behaviours).map(Number);
  const dialer = new RelayDialer({
    routes: ports.map(route),
    gateway: { certificate: 'gw', privateKey: 'gw-key', serverCertificateChain: 'gw-chain' },
    dial,
    memory: new RelayFailureMemory({ now: () => now }),
  });
  return {
    dialer,
    dialed,
    seen,
    behaviours,
    advance: (ms: number) => (now += ms),
  };
}

describe('RelayDialer', () => {
  it('dials the first relay with its own relay certificate and the gateway credentials', async () => {
    const { dialer, dialed, seen } = setup({ 1001: 'ok', 1002: 'ok' });
    const tunnel = await dialer.dial(ALPN.pamProxy, { innerHandshakeTimeoutMs: 5_000 });
    expect(tunnel.relay).toEqual({ host: '127.0.0.1', port: 1001 });
    expect(tunnel.skipped).toEqual([]);
    expect(dialed).toEqual([1001]);
    expect(seen[0]).toMatchObject({
      relayHost: '127.0.0.1',
      relayPort: 1001,
      relay: { certificate: 'cert-1001' },
      gateway: { certificate: 'gw', serverCertificateChain: 'gw-chain' },
      alpn: ALPN.pamProxy,
      innerHandshakeTimeoutMs: 5_000,
    });
  });

  it.each<[string, Behaviour]>([
    ['is not reachable', 'down'],
    ['fails its TLS handshake', 'tls'],
    ['closes before the inner handshake (gateway not connected there)', 'no-gateway'],
  ])('uses the next relay when the first %s', async (_name, behaviour) => {
    const { dialer, dialed } = setup({ 1001: behaviour, 1002: 'ok' });
    const tunnel = await dialer.dial(ALPN.pamProxy);
    expect(tunnel.relay.port).toBe(1002);
    expect(tunnel.skipped.map((a) => a.relay.port)).toEqual([1001]);
    expect(dialed).toEqual([1001, 1002]);
  });

  it('remembers a relay that failed and tries it last for 30 s, then first again', async () => {
    const { dialer, dialed, behaviours, advance } = setup({ 1001: 'down', 1002: 'ok', 1003: 'ok' });
    await dialer.dial(ALPN.pamProxy);
    dialed.length = 0;
    await dialer.dial(ALPN.pamProxy);
    expect(dialed).toEqual([1002]); // no time lost on the dead relay
    expect(dialer.order().map((r) => r.address.port)).toEqual([1002, 1003, 1001]);
    advance(29_999);
    expect(dialer.order().map((r) => r.address.port)).toEqual([1002, 1003, 1001]);
    advance(1);
    behaviours[1001] = 'ok';
    dialed.length = 0;
    const tunnel = await dialer.dial(ALPN.pamProxy);
    expect(tunnel.relay.port).toBe(1001);
    expect(dialed).toEqual([1001]);
  });

  it('still tries a remembered relay last, and forgets the failure once it works', async () => {
    const { dialer, dialed, behaviours } = setup({ 1001: 'down', 1002: 'ok' });
    await dialer.dial(ALPN.pamProxy); // 1001 remembered as failed
    behaviours[1001] = 'ok';
    behaviours[1002] = 'down';
    dialed.length = 0;
    const tunnel = await dialer.dial(ALPN.pamProxy);
    expect(dialed).toEqual([1002, 1001]);
    expect(tunnel.relay.port).toBe(1001);
    expect(dialer.order().map((r) => r.address.port)).toEqual([1001, 1002]);
  });

  it('does not try other relays when the gateway itself refuses', async () => {
    const { dialer, dialed } = setup({ 1001: 'gateway-refuses', 1002: 'ok' });
    const error = await dialer.dial(ALPN.pamProxy).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayDialError);
    expect(dialed).toEqual([1001]);
    expect(dialer.order().map((r) => r.address.port)).toEqual([1001, 1002]);
  });

  it('names every hop tried when no relay works', async () => {
    const { dialer } = setup({ 1001: 'down', 1002: 'no-gateway' });
    const error = (await dialer.dial(ALPN.pamProxy).catch((e: unknown) => e)) as RelayDialError;
    expect(error).toBeInstanceOf(RelayDialError);
    expect(error.attempts.map((a) => a.relay.port)).toEqual([1001, 1002]);
    expect(describeDialFailure(error, { host: '127.0.0.1', port: 1001 })).toBe(
      'the relay at 127.0.0.1:1001 is not reachable (ECONNREFUSED); ' +
        'the gateway is not reachable through the relay at 127.0.0.1:1002 (offline, restarting, or it refused this session: connection closed during the handshake)',
    );
  });

  it('keeps a TLS ticket per relay and shares the gateway ticket across relays', async () => {
    const { dialer, seen, behaviours } = setup({ 1001: 'ok', 1002: 'ok' });
    await dialer.dial(ALPN.pamProxy);
    behaviours[1001] = 'down';
    await dialer.dial(ALPN.pamProxy); // 1001 fails before using its store, 1002 works
    const via1002 = seen.at(-1)?.sessions;
    expect(via1002?.relay?.toString()).toBe('relay-ticket-1002');
    expect(seen.at(-2)?.sessions?.relay?.toString()).toBe('relay-ticket-1001');
    expect(seen[0]?.sessions?.gateway?.toString()).toBe('gateway-ticket-via-1002');
  });
});
