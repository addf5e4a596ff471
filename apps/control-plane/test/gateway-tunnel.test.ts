import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort } from '@burrow/test-support';
import { ALPN, RELAY_SSH_PORT, dialGateway } from '@burrow/tunnel-protocol';
import { FakeRelayGateway } from './support/fake-relay-gateway.ts';
import { registerFakeRelayGateway } from './support/org-setup.ts';
import {
  auth,
  bootstrap,
  startTestControlPlane,
  type Bootstrapped,
  type TestControlPlane,
} from './support/test-control-plane.ts';

let cp: TestControlPlane;
let admin: Bootstrapped;
let fake: FakeRelayGateway;
let relayIdentity: { identityId: string; token: string };
let gatewayIdentity: { identityId: string; token: string };
let gatewayId: string;
let echo: net.Server;
let banner: net.Server;

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );
}

beforeAll(async () => {
  cp = await startTestControlPlane();
  admin = await bootstrap(cp);
  fake = await FakeRelayGateway.start();
  let relayHost: string;
  ({
    relay: relayIdentity,
    gateway: gatewayIdentity,
    gatewayId,
    relayHost,
  } = await registerFakeRelayGateway(cp, admin, fake, 'fake-gw'));
  // The relay's bare host, as the reference gateway expects (it appends :2222 itself).
  expect(relayHost).toBe('127.0.0.1');
  echo = net.createServer((socket) => socket.pipe(socket));
  banner = net.createServer((socket) => socket.end('SSH-2.0-banner\r\n'));
  await Promise.all([listen(echo), listen(banner)]);
});

afterAll(async () => {
  await fake.close();
  echo.close();
  banner.close();
  await cp.close();
});

function gatewayHeartbeat() {
  return cp.app.inject({
    method: 'POST',
    url: '/api/v2/gateways/heartbeat',
    headers: auth(gatewayIdentity.token),
    payload: { capabilities: { pkcs11: false } },
  });
}

function testConnection(targetPort: number, settleMs = 300) {
  return cp.app.inject({
    method: 'POST',
    url: `/api/v2/gateways/${gatewayId}/test-connection`,
    headers: auth(admin.token),
    payload: { targetHost: '127.0.0.1', targetPort, settleMs },
  });
}

async function listedGateway() {
  const res = await cp.app.inject({
    method: 'GET',
    url: '/api/v2/gateways',
    headers: auth(admin.token),
  });
  return res
    .json<
      {
        id: string;
        heartbeat: string | null;
        heartbeatTTL: number | null;
        isHealthy: boolean;
        capabilities: unknown;
      }[]
    >()
    .find((g) => g.id === gatewayId);
}

describe('relay heartbeat', () => {
  it('probes the relay with the all-zero client certificate, then records the heartbeat', async () => {
    const res = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/relays/heartbeat-org-relay',
      headers: auth(relayIdentity.token),
      payload: { name: 'fake-relay' },
    });
    expect(res.statusCode).toBe(200);
    expect(fake.relayPeers.at(-1)?.subject).toMatchObject({
      CN: '00000000-0000-0000-0000-000000000000',
      OU: 'relay-client',
    });
    const relays = await cp.app.inject({
      method: 'GET',
      url: '/api/v1/relays',
      headers: auth(admin.token),
    });
    const relay = relays
      .json<{ name: string; heartbeat: string | null }[]>()
      .find((r) => r.name === 'fake-relay');
    expect(relay?.heartbeat).not.toBeNull();
  });

  it('answers 404 for an unknown relay name', async () => {
    const res = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/relays/heartbeat-org-relay',
      headers: auth(relayIdentity.token),
      payload: { name: 'nope' },
    });
    expect(res.statusCode).toBe(404);
  });
});

describe('gateway heartbeat', () => {
  it('probes the gateway through the relay with infisical-health and records heartbeat and TTL', async () => {
    const res = await gatewayHeartbeat();
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ heartbeatTTL: 180 });
    const outer = fake.relayPeers.at(-1);
    expect(outer?.subject).toMatchObject({
      CN: gatewayId,
      OU: 'relay-client',
      O: `Acme-${admin.orgId}`,
    });
    expect(outer?.extensions.relayClient).toEqual({ name: 'fake-gw' });
    const inner = fake.gatewayPeers.at(-1);
    expect(inner?.alpn).toBe('infisical-health');
    expect(inner?.subject).toMatchObject({
      CN: `platform:${gatewayId}`,
      OU: 'gateway-client',
      O: admin.orgId,
    });
    expect(inner?.extensions.actor).toMatchObject({ type: 'platform' });
    const listed = await listedGateway();
    expect(listed).toMatchObject({
      heartbeatTTL: 180,
      isHealthy: true,
      capabilities: { pkcs11: false },
    });
    expect(listed?.heartbeat).not.toBeNull();
  });

  it('answers 400 with a clear message and marks the gateway unhealthy when it cannot be reached', async () => {
    fake.setGatewayDown(true);
    try {
      const res = await gatewayHeartbeat();
      expect(res.statusCode).toBe(400);
      // Burrow's own words only: what the relay or gateway said is logged, not answered.
      expect(res.json<{ message: string }>().message).toBe(
        'Gateway fake-gw is not reachable through relay fake-relay',
      );
      expect(await listedGateway()).toMatchObject({ heartbeatTTL: 0, isHealthy: false });
    } finally {
      fake.setGatewayDown(false);
    }
    expect((await gatewayHeartbeat()).statusCode).toBe(200);
  });
});

describe('test-connection (infisical-tcp-proxy end to end)', () => {
  it('reports a listening target reachable, with the target in the platform certificate', async () => {
    const port = (echo.address() as net.AddressInfo).port;
    const res = await testConnection(port);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      reachable: true,
      roundTripMs: expect.any(Number),
      elapsedMs: expect.any(Number),
    });
    // A silent target (echo) is watched for the whole settle window (300 ms here): that is what
    // the caller waits, while roundTripMs is the path's own time.
    const { roundTripMs, elapsedMs } = res.json<{ roundTripMs: number; elapsedMs: number }>();
    expect(elapsedMs).toBeGreaterThanOrEqual(300);
    expect(elapsedMs).toBeGreaterThan(roundTripMs);
    const inner = fake.gatewayPeers.at(-1);
    expect(inner?.alpn).toBe('infisical-tcp-proxy');
    expect(inner?.extensions.routing).toEqual({ targetHost: '127.0.0.1', targetPort: port });
  });

  it('reports a target that speaks first reachable at its first byte', async () => {
    const res = await testConnection((banner.address() as net.AddressInfo).port, 10_000);
    expect(res.json()).toMatchObject({ reachable: true });
    expect(res.json<{ roundTripMs: number }>().roundTripMs).toBeLessThan(5_000);
  });

  it('reports a closed port not reachable, with the reason', async () => {
    const res = await testConnection(await freePort(), 5_000);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      reachable: false,
      error: expect.stringMatching(/could not connect to 127\.0\.0\.1:\d+/),
    });
  });

  it('carries bytes both ways through withGatewayTunnel', async () => {
    const port = (echo.address() as net.AddressInfo).port;
    const reply = await cp.context.tunnel.withGatewayTunnel(
      gatewayId,
      { targetHost: '127.0.0.1', targetPort: port },
      (localPort) =>
        new Promise<string>((resolve, reject) => {
          const socket = net.connect(localPort, '127.0.0.1');
          socket.once('error', reject);
          socket.once('data', (data) => {
            socket.end();
            resolve(data.toString());
          });
          socket.write('marker-123');
        }),
    );
    expect(reply).toBe('marker-123');
  });
});

describe('connection details', () => {
  it('hands an admin platform certificates that open a tcp-proxy tunnel; members are refused', async () => {
    const port = (echo.address() as net.AddressInfo).port;
    const url = `/api/v2/gateways/${gatewayId}/connection-details`;
    const payload = { targetHost: '127.0.0.1', targetPort: port };
    const member = await cp.app.inject({
      method: 'POST',
      url,
      headers: auth(gatewayIdentity.token),
      payload,
    });
    expect(member.statusCode).toBe(403);
    const res = await cp.app.inject({ method: 'POST', url, headers: auth(admin.token), payload });
    expect(res.statusCode).toBe(200);
    type Tls = {
      clientCertificate: string;
      clientPrivateKey: string;
      serverCertificateChain: string;
    };
    const details = res.json<{ relayHost: string; relay: Tls; gateway: Tls }>();
    expect(details.relayHost).toBe(`127.0.0.1:${fake.port}`);
    const toDialer = (c: Tls) => ({
      certificate: c.clientCertificate,
      privateKey: c.clientPrivateKey,
      serverCertificateChain: c.serverCertificateChain,
    });
    const socket = await dialGateway({
      relayHost: '127.0.0.1',
      relayPort: fake.port,
      relay: toDialer(details.relay),
      gateway: toDialer(details.gateway),
      alpn: ALPN.tcpProxy,
    });
    const reply = await new Promise<string>((resolve) => {
      socket.once('data', (data) => resolve(data.toString()));
      socket.write('via-details');
    });
    socket.destroy();
    expect(reply).toBe('via-details');
  });
});

describe('gateways that only speak infisical-ping', () => {
  it('falls back to ping and uses the reference default TTL', async () => {
    const old = await FakeRelayGateway.start(['infisical-ping']);
    try {
      const { gateway } = await registerFakeRelayGateway(cp, admin, old, 'old-gw', {
        relayName: 'old-relay',
        relayIdentity: 'old-relay',
        gatewayIdentity: 'old-gateway',
        sshPort: RELAY_SSH_PORT, // the first fake relay claimed 2299
      });
      const res = await cp.app.inject({
        method: 'POST',
        url: '/api/v2/gateways/heartbeat',
        headers: auth(gateway.token),
        payload: {},
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ heartbeatTTL: 1800 });
      expect(old.gatewayPeers.at(-1)?.alpn).toBe('infisical-ping');
    } finally {
      await old.close();
    }
  });
});

describe('relay down', () => {
  it('answers the relay heartbeat with 400 "Relay <name> is not reachable"', async () => {
    await fake.close();
    const res = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/relays/heartbeat-org-relay',
      headers: auth(relayIdentity.token),
      payload: { name: 'fake-relay' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toBe(
      'Relay fake-relay is not reachable: the control plane could not complete a TLS handshake with it',
    );
    const test = await testConnection((echo.address() as net.AddressInfo).port);
    expect(test.json()).toEqual({
      reachable: false,
      roundTripMs: expect.any(Number),
      elapsedMs: expect.any(Number),
      error: 'tunnel failed: the relay or the gateway refused or did not answer',
    });
  });
});
