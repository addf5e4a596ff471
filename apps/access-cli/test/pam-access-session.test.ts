import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import type tls from 'node:tls';
import { afterEach, describe, expect, it } from '@jest/globals';
import { ALPN, DialError, type DialGatewayOptions } from '@burrow/tunnel-protocol';
import { createLogger } from '@burrow/observability';
import { routes } from '@burrow/platform-api';
import {
  fakeAnswer,
  fakeRoute,
  ManualClock,
  startFakeControlPlane,
  type FakeRequest,
} from '@burrow/test-support';
import { CONNECTION_DRAIN_TIMEOUT_MS, PamAccessSession } from '../src/pam-access-session.ts';
import { ControlPlane } from '../src/control-plane.ts';

/**
 * PamAccessSession against a stand-in control plane (@burrow/test-support's, from the route
 * definitions) and a stand-in dialer: the
 * "gateway" is a loopback echo server, so the test sees exactly what the session does with the
 * local connections, the capability check and the cancellation.
 */
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An ed25519 public key (its blob names its type, as the known_hosts check wants). */
const HOST_KEY = `ssh-ed25519 ${Buffer.concat([
  Buffer.from([0, 0, 0, 11]),
  Buffer.from('ssh-ed25519'),
  Buffer.from([0, 0, 0, 32]),
  Buffer.alloc(32, 9),
]).toString('base64')}`;

function tmpEntries(): string[] {
  return fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('burrow-ssh-'));
}

/** The stand-in control plane: the two routes a session calls, answers checked by their schemas. */
async function fakePlatform(
  relayHosts: string[] = [],
): Promise<{ platform: ControlPlane; requests: FakeRequest[] }> {
  const fake = await startFakeControlPlane([
    fakeRoute(routes.accessPamAccount, ({ body }) => {
      const { path, duration } = body as { path: string; duration: string };
      if (Number.parseInt(duration, 10) > 86_400_000) {
        return fakeAnswer(400, { message: 'duration must be at most 24h' });
      }
      const ssh = path === 'ops/web-1';
      if (path !== 'prod/orders-db' && !ssh) {
        return fakeAnswer(404, { message: `PAM account ${path} not found` });
      }
      return {
        sessionId: 'sess-1',
        accountType: ssh ? 'ssh' : 'postgres',
        resourceType: ssh ? 'ssh' : 'postgres',
        metadata: ssh ? { username: 'deploy' } : { username: 'app', database: 'orders' },
        relayHost: '127.0.0.1:1',
        relayClientCertificate: 'not a certificate',
        relayClientPrivateKey: 'k',
        relayServerCertificateChain: 'c',
        gatewayClientCertificate: 'not a certificate',
        gatewayClientPrivateKey: 'k',
        gatewayServerCertificateChain: 'c',
        ...(relayHosts.length > 0
          ? {
              relays: relayHosts.map((relayHost) => ({
                relayHost,
                relayClientCertificate: `cert for ${relayHost}`,
                relayClientPrivateKey: 'k',
                relayServerCertificateChain: 'c',
              })),
            }
          : {}),
      };
    }),
    fakeRoute(routes.endPamSession, ({ params }) => ({
      session: {
        id: params.sessionId as string,
        status: 'ended' as const,
        endedAt: new Date().toISOString(),
      },
    })),
  ]);
  cleanups.push(() => {
    expect(fake.mistakes).toEqual([]);
    return fake.close();
  });
  return {
    platform: new ControlPlane({ apiUrl: fake.apiUrl, accessToken: 't' }),
    requests: fake.requests,
  };
}

/** A dialer whose "gateway" echoes on pam-proxy, answers capabilities, and logs cancellations. */
async function fakeGateway(options: {
  types?: string[];
  down?: boolean;
  cancelWorks?: boolean;
  /** Relay ports that are not reachable. */
  downRelays?: number[];
  /** The capabilities answer's sshHostKey. */
  sshHostKey?: string;
}) {
  const alpns: string[] = [];
  const relays: string[] = [];
  const proxied = new Set<net.Socket>();
  const echo = net.createServer({ allowHalfOpen: true }, (socket) => {
    proxied.add(socket);
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    for (const s of proxied) s.destroy();
    return new Promise((resolve) => echo.close(resolve));
  });
  const { port } = echo.address() as net.AddressInfo;
  const dial = async (dialOptions: DialGatewayOptions): Promise<tls.TLSSocket> => {
    const alpn = String(dialOptions.alpn);
    alpns.push(alpn);
    relays.push(`${dialOptions.relayHost}:${dialOptions.relayPort}`);
    if (options.downRelays?.includes(dialOptions.relayPort as number))
      throw new DialError('relay-connect', 'connect ECONNREFUSED');
    if (options.down) throw new DialError('relay-connect', 'connect ECONNREFUSED');
    if (alpn === ALPN.pamSessionCancellation && options.cancelWorks === false)
      throw new DialError('gateway-tls', 'connection closed during the handshake');
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    if (alpn === ALPN.pamCapabilities) {
      const body = Buffer.from(
        JSON.stringify({
          gatewayName: 'gw',
          supportedResourceTypes: options.types ?? ['postgres'],
          ...(options.sshHostKey !== undefined ? { sshHostKey: options.sshHostKey } : {}),
        }),
      );
      const header = Buffer.alloc(4);
      header.writeUInt32BE(body.length, 0);
      // Feed the frame through the echo server.
      socket.end(Buffer.concat([header, body]));
    }
    if (alpn === ALPN.pamSessionCancellation) {
      // The gateway closes the session's connections, then the cancellation tunnel.
      for (const s of proxied) s.end();
      socket.end();
    }
    return socket as unknown as tls.TLSSocket;
  };
  return { dial, alpns, relays };
}

async function open(
  platform: ControlPlane,
  dial: (o: DialGatewayOptions) => Promise<tls.TLSSocket>,
  overrides: { path?: string; durationMs?: number; clock?: ManualClock } = {},
) {
  const notices: string[] = [];
  const session = await PamAccessSession.open({
    platform,
    path: overrides.path ?? 'prod/orders-db',
    durationMs: overrides.durationMs ?? 3_600_000,
    port: 0,
    reason: 'testing',
    log: createLogger({ level: 'silent' }),
    notice: (line) => notices.push(line),
    dial,
    ...(overrides.clock ? { clock: overrides.clock } : {}),
  });
  cleanups.push(() => session.end('interrupted'));
  return { session, notices };
}

/** A local connection whose tunnel is up (one byte went through the echo), left open. */
async function openConnection(port: number): Promise<net.Socket> {
  const client = net.connect(port, '127.0.0.1');
  client.on('error', () => undefined);
  cleanups.push(() => client.destroy());
  await new Promise((resolve) => client.once('connect', resolve));
  client.write('x');
  await new Promise((resolve) => client.once('data', resolve));
  return client;
}

function roundTrip(port: number, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const client = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    client.on('data', (chunk: Buffer) => chunks.push(chunk));
    client.on('error', reject);
    client.on('end', () => resolve(Buffer.concat(chunks)));
    client.end(payload); // half-close: the echo must still come back in full
  });
}

describe('PamAccessSession', () => {
  it('requests access with the duration in ms, checks capabilities, and tunnels bytes both ways', async () => {
    const { platform, requests } = await fakePlatform();
    const gateway = await fakeGateway({});
    const { session, notices } = await open(platform, gateway.dial);
    const { method, path: requestPath, body } = requests[0] ?? {};
    expect({ method, path: requestPath, body }).toEqual({
      method: 'POST',
      path: '/api/v1/pam/accounts/access',
      body: { path: 'prod/orders-db', duration: '3600000ms', reason: 'testing' },
    });
    expect(gateway.alpns[0]).toBe(ALPN.pamCapabilities);
    expect(session.port).toBeGreaterThan(0);
    const payload = Buffer.alloc(256 * 1024, 7);
    const echoed = await roundTrip(session.port, payload);
    expect(echoed.equals(payload)).toBe(true);
    expect(gateway.alpns.filter((a) => a === ALPN.pamProxy)).toHaveLength(1);
    expect(notices).toEqual([]);
  });

  it('says clearly when the account path does not exist', async () => {
    const { platform } = await fakePlatform();
    const gateway = await fakeGateway({});
    await expect(open(platform, gateway.dial, { path: 'prod/nope' })).rejects.toThrow(
      new Error(
        'PAM account prod/nope not found; burrow pam accounts list shows the accounts you may access',
      ),
    );
  });

  it('names --duration when the control plane refuses the length', async () => {
    const { platform } = await fakePlatform();
    const gateway = await fakeGateway({});
    await expect(open(platform, gateway.dial, { durationMs: 30 * 86_400_000 })).rejects.toThrow(
      new Error('--duration 30d refused: duration must be at most 24h'),
    );
  });

  it('refuses a gateway that does not support the account type, and ends the session', async () => {
    const { platform, requests } = await fakePlatform();
    const gateway = await fakeGateway({ types: ['ssh'] });
    await expect(open(platform, gateway.dial)).rejects.toThrow(/gateway version outdated/);
    expect(requests.map((r) => r.path)).toContain('/api/v1/pam/sessions/sess-1/end');
  });

  it('ssh: pins the gateway’s SSH key in a 0600 known_hosts file for [127.0.0.1]:<port>, removed when the session ends', async () => {
    const { platform } = await fakePlatform();
    const gateway = await fakeGateway({
      types: ['postgres', 'ssh'],
      sshHostKey: `${HOST_KEY} gw-1`,
    });
    const { session } = await open(platform, gateway.dial, { path: 'ops/web-1' });
    const file = session.knownHostsFile as string;
    expect(file).toMatch(/burrow-ssh-[^/]+\/known_hosts$/);
    expect(fs.readFileSync(file, 'utf8')).toBe(`[127.0.0.1]:${session.port} ${HOST_KEY}\n`);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    // Bytes go through as for any account.
    const payload = Buffer.from('SSH-2.0-OpenSSH_9.2\r\n');
    expect((await roundTrip(session.port, payload)).equals(payload)).toBe(true);
    await session.end('interrupted');
    expect(fs.existsSync(path.dirname(file))).toBe(false);
  });

  it('ssh: a gateway without ssh, without its SSH key, with a bad key, or unreachable ends the command; nothing is left behind', async () => {
    const cases: Array<[Parameters<typeof fakeGateway>[0], RegExp]> = [
      [
        { types: ['postgres'] },
        /gateway version outdated: it supports postgres, not ssh; upgrade the gateway/,
      ],
      [
        { types: ['postgres', 'ssh'] },
        /gateway version outdated: it serves ssh but does not announce its SSH host key/,
      ],
      [
        { types: ['ssh'], sshHostKey: `${HOST_KEY}\n@cert-authority * ${HOST_KEY}` },
        /unusable SSH host key: not an OpenSSH public key line/,
      ],
      [
        { types: ['ssh'], sshHostKey: 'ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQAB' },
        /unusable SSH host key: the key data is not a ssh-ed25519 key/,
      ],
      [
        { down: true },
        /cannot open the ssh session: the gateway's capabilities .* could not be read: the relay at 127.0.0.1:1 is not reachable/,
      ],
    ];
    const before = tmpEntries();
    for (const [gatewayOptions, message] of cases) {
      const { platform, requests } = await fakePlatform();
      const gateway = await fakeGateway(gatewayOptions);
      await expect(open(platform, gateway.dial, { path: 'ops/web-1' })).rejects.toThrow(message);
      expect(requests.map((r) => r.path)).toContain('/api/v1/pam/sessions/sess-1/end');
    }
    expect(tmpEntries()).toEqual(before);
  });

  it('goes on when capabilities cannot be fetched, and answers psql with a FATAL error naming the relay', async () => {
    const { platform } = await fakePlatform();
    const gateway = await fakeGateway({ down: true });
    const { session, notices } = await open(platform, gateway.dial);
    expect(notices[0]).toMatch(
      /warning: could not check the gateway's capabilities: the relay at 127.0.0.1:1 is not reachable/,
    );
    const startup = Buffer.concat([
      Buffer.from([0, 0, 0, 17, 0, 3, 0, 0]),
      Buffer.from('user\0app\0\0', 'utf8'),
    ]);
    const reply = await roundTrip(session.port, startup);
    expect(reply[0]).toBe('E'.charCodeAt(0));
    expect(reply.toString('utf8')).toContain('burrow: the relay at 127.0.0.1:1 is not reachable');
  });

  it('Ctrl-C cancels through the gateway, which closes the connections; no API fallback needed', async () => {
    const { platform, requests } = await fakePlatform();
    const gateway = await fakeGateway({});
    const { session, notices } = await open(platform, gateway.dial);
    const client = net.connect(session.port, '127.0.0.1');
    client.on('error', () => undefined);
    await new Promise((resolve) => client.once('connect', resolve));
    client.write('hello');
    await new Promise((resolve) => client.once('data', resolve));
    const closed = new Promise((resolve) => client.once('close', resolve));
    await session.end('interrupted');
    await closed;
    await expect(session.finished).resolves.toBe('interrupted');
    expect(gateway.alpns).toContain(ALPN.pamSessionCancellation);
    expect(requests.map((r) => r.path)).not.toContain('/api/v1/pam/sessions/sess-1/end');
    expect(notices.at(-1)).toBe('Session sess-1 ended.');
    expect(session.activeConnections).toBe(0);
  });

  it('falls back to POST /sessions/:id/end when the cancellation tunnel fails', async () => {
    const { platform, requests } = await fakePlatform();
    const gateway = await fakeGateway({ cancelWorks: false });
    const { session, notices } = await open(platform, gateway.dial);
    await session.end('interrupted');
    expect(requests.map((r) => `${r.method} ${r.path}`)).toContain(
      'POST /api/v1/pam/sessions/sess-1/end',
    );
    expect(notices.join('\n')).toMatch(/ended at the control plane/);
  });

  it('ends by itself when the session expires, on the wall clock', async () => {
    const { platform } = await fakePlatform();
    const gateway = await fakeGateway({});
    const clock = new ManualClock(Date.now());
    const { session, notices } = await open(platform, gateway.dial, { clock });
    let ended = false;
    void session.finished.then(() => (ended = true));
    // One second short of the certificate's NotAfter: still open.
    await clock.advance(session.expiresAt.getTime() - clock.now() - 1_000);
    expect(ended).toBe(false);
    expect(await roundTrip(session.port, Buffer.from('still open'))).toEqual(
      Buffer.from('still open'),
    );
    await clock.advance(2_000);
    await expect(session.finished).resolves.toBe('expired');
    expect(notices.join('\n')).toMatch(/expired at/);
    await expect(
      new Promise((resolve, reject) => {
        const c = net.connect(session.port, '127.0.0.1');
        c.on('connect', () => reject(new Error('still listening')));
        c.on('error', resolve);
      }),
    ).resolves.toBeDefined();
  });

  it('an expired session ends as soon as its last connection closes', async () => {
    const { platform } = await fakePlatform();
    const gateway = await fakeGateway({});
    const clock = new ManualClock(Date.now());
    const { session, notices } = await open(platform, gateway.dial, { clock });
    const client = await openConnection(session.port);
    let ended = false;
    void session.finished.then(() => (ended = true));
    await clock.advance(session.expiresAt.getTime() - clock.now());
    expect(notices.join('\n')).toMatch(/expired at/);
    expect(ended).toBe(false);
    expect(session.activeConnections).toBe(1);
    // The person's client closes (the time stands still): the session ends on that close.
    client.end();
    await expect(session.finished).resolves.toBe('expired');
    expect(session.activeConnections).toBe(0);
    expect(notices.at(-1)).toBe('Session sess-1 ended.');
  });

  it('connections still open 10 s after the session ended are closed then, on the session clock', async () => {
    const { platform } = await fakePlatform();
    const gateway = await fakeGateway({});
    const clock = new ManualClock(Date.now());
    const { session, notices } = await open(platform, gateway.dial, { clock });
    const client = await openConnection(session.port);
    const clientClosed = new Promise((resolve) => client.once('close', resolve));
    let ended = false;
    void session.finished.then(() => (ended = true));
    // Without a certificate the session lasts the requested hour, checked every second: it ends
    // exactly at its expiry.
    await clock.advance(session.expiresAt.getTime() - clock.now());
    expect(notices.join('\n')).toMatch(/expired at/);
    await clock.advance(CONNECTION_DRAIN_TIMEOUT_MS - 1);
    expect(ended).toBe(false);
    expect(session.activeConnections).toBe(1);
    await clock.advance(1);
    expect(ended).toBe(true);
    await clientClosed;
    expect(session.activeConnections).toBe(0);
    expect(notices.at(-1)).toBe('Session sess-1 ended.');
  });

  it('uses the next relay of relays[] when the first cannot be reached, and tries it last for a while', async () => {
    const { platform } = await fakePlatform(['127.0.0.1:1', '127.0.0.1:2']);
    const gateway = await fakeGateway({ downRelays: [1] });
    const { session, notices } = await open(platform, gateway.dial);
    expect(notices).toEqual([
      'capability check: the relay at 127.0.0.1:1 is not reachable (connect ECONNREFUSED); using the relay at 127.0.0.1:2',
    ]);
    const payload = Buffer.from('through the second relay');
    expect((await roundTrip(session.port, payload)).equals(payload)).toBe(true);
    expect((await roundTrip(session.port, payload)).equals(payload)).toBe(true);
    // One failed dial of relay 1 (the capability check); every later tunnel went straight to 2.
    expect(gateway.relays).toEqual(['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:2', '127.0.0.1:2']);
    expect(notices).toHaveLength(1);
  });

  it('answers psql with a FATAL error naming every relay tried when none can be reached', async () => {
    const { platform } = await fakePlatform(['127.0.0.1:1', '127.0.0.1:2']);
    const gateway = await fakeGateway({ downRelays: [1, 2] });
    const { session } = await open(platform, gateway.dial);
    const startup = Buffer.concat([
      Buffer.from([0, 0, 0, 17, 0, 3, 0, 0]),
      Buffer.from('user\0app\0\0', 'utf8'),
    ]);
    const reply = await roundTrip(session.port, startup);
    expect(reply[0]).toBe('E'.charCodeAt(0));
    expect(reply.toString('utf8')).toContain(
      'burrow: the relay at 127.0.0.1:1 is not reachable (connect ECONNREFUSED); the relay at 127.0.0.1:2 is not reachable (connect ECONNREFUSED)',
    );
  });
});
