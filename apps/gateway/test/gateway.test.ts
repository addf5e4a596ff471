/**
 * The whole gateway against a fake control plane (@burrow/test-support's, on loopback) and a fake relay dialer
 * that hands it channels: login, registration, "Gateway started successfully", heartbeats,
 * channels served with the registered certificates, reconnect with re-registration, renewal, stop.
 * (The real SSH dial is @burrow/ssh-transport's; the full cross-app run lives in stack/test/.)
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ManualClock,
  fakeAnswer,
  fakeRoute,
  repeatedJsonKeys,
  startFakeControlPlane,
} from '@burrow/test-support';
import type { Histogram } from '@burrow/observability';
import { ALPN, PING_REPLY, ReconnectBackoff, healthReply } from '@burrow/tunnel-protocol';
import { Gateway, type GatewayTuning } from '../src/gateway.ts';
import type { GatewayConfig } from '../src/ops/gateway-config.ts';
import type { GatewayRegistration } from '../src/platform/gateway-registration.ts';
import { PlatformError, routes } from '@burrow/platform-api';
import type { RelayConnection } from '../src/tunnel/relay-tunnel.ts';
import { createChannelPair } from './helpers/channel-pair.ts';
import { connectCaller, runCaller } from './helpers/inner-tls-client.ts';
import { captureLogs, type CapturedLogger } from './helpers/log-capture.ts';
import {
  GATEWAY_ID,
  createGatewayPki,
  issueCaller,
  issuePamCaller,
  type GatewayPki,
} from './helpers/pki-fixture.ts';

const TOKEN = 'test-identity-token';

class FakeRelayConnection extends EventEmitter implements RelayConnection {
  closed = false;
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }
}

interface ControlPlane {
  apiUrl: string;
  /** Answer for POST /api/v2/gateways: a status to fail with, or the pki to hand out. */
  next: () => { status: number } | { pki: GatewayPki };
  registrations: { authorization: string | undefined; body: unknown }[];
  heartbeats: { authorization: string | undefined; body: unknown }[];
  close(): Promise<void>;
}

async function startControlPlane(next: ControlPlane['next']): Promise<ControlPlane> {
  const registrations: ControlPlane['registrations'] = [];
  const heartbeats: ControlPlane['heartbeats'] = [];
  const fake = await startFakeControlPlane([
    fakeRoute(routes.registerGateway, ({ authorization, body }) => {
      registrations.push({ authorization, body });
      const answer = plane.next();
      if ('status' in answer) {
        return fakeAnswer(answer.status, { message: `refused with ${answer.status}` });
      }
      return {
        gatewayId: GATEWAY_ID,
        relayHost: '127.0.0.1',
        relaySshPort: 12222,
        pki: answer.pki.credentials,
        ssh: {
          clientCertificate: 'ssh-ed25519-cert-v01@openssh.com AAAA gateway',
          clientPrivateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\n...',
          serverCAPublicKey: 'ssh-ed25519 AAAA ca',
        },
      };
    }),
    fakeRoute(routes.gatewayHeartbeat, ({ authorization, body }) => {
      heartbeats.push({ authorization, body });
      return { message: 'ok', heartbeatTTL: 180 };
    }),
  ]);
  const plane: ControlPlane = {
    apiUrl: fake.apiUrl,
    next,
    registrations,
    heartbeats,
    close: () => fake.close(),
  };
  return plane;
}

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('Gateway', () => {
  let pki: GatewayPki;
  let renewedPki: GatewayPki;
  let plane: ControlPlane | undefined;
  let gateway: Gateway | undefined;
  let logs: CapturedLogger;
  let dials: GatewayRegistration[];
  let connections: FakeRelayConnection[];

  beforeAll(async () => {
    [pki, renewedPki] = await Promise.all([createGatewayPki(), createGatewayPki()]);
  });

  afterEach(async () => {
    await gateway?.stop();
    await plane?.close();
    gateway = undefined;
    plane = undefined;
  });

  function createGateway(tuning: GatewayTuning = {}): Gateway {
    logs = captureLogs();
    dials = [];
    connections = [];
    const config: GatewayConfig = {
      name: 'gw-1',
      relayName: 'edge-1',
      apiUrl: plane!.apiUrl,
      login: { method: 'token', token: TOKEN },
      logLevel: 'debug',
    };
    gateway = new Gateway(
      config,
      logs.logger,
      {
        dialRelay: async (registration) => {
          dials.push(registration);
          const connection = new FakeRelayConnection();
          connections.push(connection);
          return connection;
        },
      },
      { backoff: new ReconnectBackoff({ baseMs: 10, capMs: 50 }), ...tuning },
    );
    return gateway;
  }

  /** Opens a channel on the current fake relay connection and runs a caller on it. */
  async function callThroughRelay(callerPki: GatewayPki, alpn: string[]) {
    const { channel, caller } = await createChannelPair();
    connections.at(-1)!.emit('channel', channel);
    return runCaller(
      connectCaller(caller, {
        serverCertificateChain: callerPki.serverCertificateChain,
        certificate: await issueCaller(callerPki),
        alpn,
      }),
    );
  }

  it('logs in, registers, dials, logs "Gateway started successfully", heartbeats and serves channels', async () => {
    plane = await startControlPlane(() => ({ pki }));
    await createGateway().start();

    const started = await logs.waitFor('Gateway started successfully');
    expect(started.gatewayId).toBe(GATEWAY_ID);
    expect(started.relay).toBe('edge-1');
    expect(started.relayAddress).toBe('127.0.0.1:12222');

    expect(plane.registrations).toEqual([
      { authorization: `Bearer ${TOKEN}`, body: { relayName: 'edge-1', name: 'gw-1' } },
    ]);
    expect(dials).toHaveLength(1);
    expect(dials[0]).toMatchObject({
      gatewayId: GATEWAY_ID,
      relaySshHost: '127.0.0.1',
      relaySshPort: 12222,
      relayHostPrincipal: '127.0.0.1:12222',
    });

    await waitUntil(() => plane!.heartbeats.length >= 1);
    expect(plane.heartbeats[0]).toEqual({ authorization: `Bearer ${TOKEN}`, body: {} });

    expect((await callThroughRelay(pki, [ALPN.ping])).data.toString()).toBe(PING_REPLY);
    expect((await callThroughRelay(pki, [ALPN.health])).data.toString()).toBe(healthReply());

    // Nothing secret in the logs.
    const text = JSON.stringify(logs.lines);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('PRIVATE KEY');
    // One logger setup: every line names the gateway and carries each key once, although
    // components bind their own keys on top of the gateway's.
    expect(logs.lines.filter((line) => line.name !== 'burrow-gateway')).toEqual([]);
    expect(logs.raw.flatMap(repeatedJsonKeys)).toEqual([]);
  });

  it('re-registers and redials after the relay connection is lost', async () => {
    plane = await startControlPlane(() => ({ pki }));
    await createGateway().start();
    await logs.waitFor('Gateway started successfully');
    await waitUntil(() => plane!.heartbeats.length >= 1);

    connections[0]!.emit('close', new Error('keepalive timeout'));
    const reconnected = await logs.waitFor('reconnected to relay');
    expect(reconnected.gatewayId).toBe(GATEWAY_ID);
    expect(plane.registrations).toHaveLength(2);
    expect(dials).toHaveLength(2);
    await logs.waitFor('reconnecting to relay');
    // The platform is asked to probe the new path right away.
    await waitUntil(() => plane!.heartbeats.length >= 2);
    expect((await callThroughRelay(pki, [ALPN.ping])).data.toString()).toBe(PING_REPLY);
  });

  it('renews certificates: new channels use the new ones', async () => {
    let current = pki;
    plane = await startControlPlane(() => ({ pki: current }));
    // Renewal time is the test's to give: no renewal can happen before `current` changes.
    const clock = new ManualClock();
    await createGateway({ clock, renewalIntervalMs: 60_000 }).start();
    await logs.waitFor('Gateway started successfully');
    expect((await callThroughRelay(pki, [ALPN.ping])).data.toString()).toBe(PING_REPLY);

    current = renewedPki;
    await clock.advance(59_999);
    expect(logs.lines.filter((line) => line.msg === 'certificates renewed')).toEqual([]);
    await clock.advance(1);
    await logs.waitFor('certificates renewed');
    expect((await callThroughRelay(renewedPki, [ALPN.ping])).data.toString()).toBe(PING_REPLY);
    expect((await callThroughRelay(pki, [ALPN.ping])).data.length).toBe(0);
    expect(dials).toHaveLength(1); // the live SSH connection was not touched
  });

  it('renewal never breaks an open stream', async () => {
    const echo = net.createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const echoPort = (echo.address() as net.AddressInfo).port;
    try {
      let current = pki;
      plane = await startControlPlane(() => ({ pki: current }));
      const clock = new ManualClock();
      await createGateway({ clock, renewalIntervalMs: 60_000 }).start();
      await logs.waitFor('Gateway started successfully');
      const { channel, caller } = await createChannelPair();
      connections[0]!.emit('channel', channel);
      const socket = connectCaller(caller, {
        serverCertificateChain: pki.serverCertificateChain,
        certificate: await issueCaller(pki, '127.0.0.1', echoPort),
        alpn: [ALPN.tcpProxy],
      });
      socket.on('error', () => undefined); // the stop after the test resets it
      await new Promise<void>((resolve) => socket.once('secureConnect', () => resolve()));
      const roundTrip = (text: string): Promise<string> =>
        new Promise((resolve) => {
          socket.once('data', (chunk: Buffer) => resolve(chunk.toString()));
          socket.write(text);
        });
      expect(await roundTrip('before')).toBe('before');
      current = renewedPki;
      await clock.advance(60_000);
      await logs.waitFor('certificates renewed');
      expect(await roundTrip('after renewal')).toBe('after renewal');
      expect(gateway!.activeStreams).toBe(1);
      socket.end();
    } finally {
      echo.close();
    }
  });

  it('times each setup stage of a tcp-proxy stream once, and none of a refused one', async () => {
    const echo = net.createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const echoPort = (echo.address() as net.AddressInfo).port;
    try {
      plane = await startControlPlane(() => ({ pki }));
      await createGateway().start();
      await logs.waitFor('Gateway started successfully');
      const stream = async (certificate: Awaited<ReturnType<typeof issueCaller>>) => {
        const { channel, caller } = await createChannelPair();
        connections[0]!.emit('channel', channel);
        const socket = connectCaller(caller, {
          serverCertificateChain: pki.serverCertificateChain,
          certificate,
          alpn: [ALPN.tcpProxy],
        });
        return runCaller(socket, Buffer.from('hello'));
      };
      const stageCounts = async (): Promise<Record<string, number>> => {
        const histogram = gateway!.metrics.registry.getSingleMetric(
          'burrow_gateway_stream_setup_stage_seconds',
        ) as Histogram<'stage'>;
        const metric = await histogram.get();
        return Object.fromEntries(
          metric.values
            .filter((value) => value.metricName?.endsWith('_count'))
            .map((value) => [String(value.labels.stage), value.value]),
        );
      };
      // Refused: made for another gateway (the handshake succeeds, the gateway then closes).
      const refused = await stream(
        await issueCaller(pki, '127.0.0.1', echoPort, '0b5e0000-0000-4000-8000-00000000dead'),
      );
      expect(refused.data.length).toBe(0);
      expect(await stageCounts()).toEqual({});

      expect((await stream(await issueCaller(pki, '127.0.0.1', echoPort))).data.toString()).toBe(
        'hello',
      );
      const once = { first_byte: 1, inner_tls: 1, dispatch: 1, target_connect: 1 };
      expect(await stageCounts()).toEqual(once);
      // Streams at once are each timed as their own (their times travel with each channel).
      const both = await Promise.all(
        [1, 2].map(async () => stream(await issueCaller(pki, '127.0.0.1', echoPort))),
      );
      expect(both.map((outcome) => outcome.data.toString())).toEqual(['hello', 'hello']);
      expect(await stageCounts()).toEqual({
        first_byte: 3,
        inner_tls: 3,
        dispatch: 3,
        target_connect: 3,
      });
    } finally {
      echo.close();
    }
  });

  it('a refused first registration (unknown relay) is fatal', async () => {
    plane = await startControlPlane(() => ({ status: 404 }));
    const error = await createGateway()
      .start()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(PlatformError);
    expect((error as PlatformError).message).toBe(
      'POST /v2/gateways answered 404: refused with 404',
    );
    expect(dials).toHaveLength(0);
  });

  it('retries the first registration while the control plane fails', async () => {
    let calls = 0;
    plane = await startControlPlane(() => (++calls < 3 ? { status: 503 } : { pki }));
    await createGateway().start();
    await logs.waitFor('Gateway started successfully');
    expect(plane.registrations).toHaveLength(3);
    expect(
      logs.lines.filter((line) => line.msg === 'gateway registration failed; retrying'),
    ).toHaveLength(2);
  });

  it('stop() closes the relay connection and open streams', async () => {
    plane = await startControlPlane(() => ({ pki }));
    await createGateway().start();
    await logs.waitFor('Gateway started successfully');
    const { channel, caller } = await createChannelPair();
    connections[0]!.emit('channel', channel);
    const socket = connectCaller(caller, {
      serverCertificateChain: pki.serverCertificateChain,
      certificate: await issueCaller(pki, '127.0.0.1', 9),
      alpn: [ALPN.ping],
    });
    const outcome = runCaller(socket);
    await gateway!.stop();
    await outcome;
    expect(connections[0]!.closed).toBe(true);
    expect(gateway!.activeStreams).toBe(0);
  });

  describe('standing (revocation)', () => {
    it('a check-in from the control plane, once the gateway was deleted (403): stops everything and reports revoked', async () => {
      let deleted = false;
      plane = await startControlPlane(() => (deleted ? { status: 403 } : { pki }));
      const gw = createGateway();
      await gw.start();
      await logs.waitFor('Gateway started successfully');
      deleted = true;
      const started = Date.now();
      await callThroughRelay(pki, [ALPN.gatewayCheckIn]);
      const reason = await gw.revoked;
      expect(reason).toBe('POST /v2/gateways answered 403: refused with 403');
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(connections[0]!.closed).toBe(true);
      expect(gw.activeStreams).toBe(0);
      expect(plane.registrations).toHaveLength(2);
    });

    it('a check-in where one relay is unknown (404) closes the tunnel to that relay only', async () => {
      let relayGone = false;
      plane = await startControlPlane(() => (relayGone ? { status: 404 } : { pki }));
      const gw = createGateway();
      await gw.start();
      await logs.waitFor('Gateway started successfully');
      relayGone = true;
      await callThroughRelay(pki, [ALPN.gatewayCheckIn]);
      await logs.waitFor('the control plane no longer knows this relay: closing the tunnel to it');
      await waitUntil(() => connections[0]!.closed);
      const revoked = await Promise.race([
        gw.revoked.then(() => true),
        new Promise((resolve) => setTimeout(() => resolve(false), 200)),
      ]);
      expect(revoked).toBe(false);
      expect(gw.readiness()).toEqual({ ready: false, reason: 'no relay tunnel is up' });
    });

    it('a check-in from a PAM user certificate is refused and asks nothing', async () => {
      plane = await startControlPlane(() => ({ pki }));
      await createGateway().start();
      await logs.waitFor('Gateway started successfully');
      const { channel, caller } = await createChannelPair();
      connections.at(-1)!.emit('channel', channel);
      await runCaller(
        connectCaller(caller, {
          serverCertificateChain: pki.serverCertificateChain,
          certificate: await issuePamCaller(pki),
          alpn: [ALPN.gatewayCheckIn],
        }),
      );
      await logs.waitFor(
        'check-in refused: only the control plane (a platform certificate) may ask',
      );
      expect(plane.registrations).toHaveLength(1);
    });
  });
});
