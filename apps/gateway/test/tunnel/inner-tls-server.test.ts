import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { exportPrivateKeyPem } from '@burrow/pki';
import { freePort } from '@burrow/test-support';
import { ALPN, PING_REPLY, healthReply } from '@burrow/tunnel-protocol';
import { handleHealth } from '../../src/actions/health.ts';
import { handlePing } from '../../src/actions/ping.ts';
import type { ActionHandler } from '../../src/actions/action.ts';
import { createPamProxyHandler } from '../../src/actions/pam-proxy.ts';
import { createTcpProxyHandler } from '../../src/actions/tcp-proxy.ts';
import { PamSessions } from '../../src/pam/pam-sessions.ts';
import { createPostgresPamProtocol } from '../../src/pam/postgres/postgres-pam-protocol.ts';
import type { PamPlatformClient } from '../../src/platform/pam-platform-client.ts';
import { InnerTlsServer } from '../../src/tunnel/inner-tls-server.ts';
import { createChannelPair } from '../helpers/channel-pair.ts';
import { connectCaller, runCaller } from '../helpers/inner-tls-client.ts';
import { captureLogs, type CapturedLogger } from '../helpers/log-capture.ts';
import {
  GATEWAY_ID,
  createGatewayPki,
  issueCaller,
  issueCallerWithoutTarget,
  issuePamCaller,
  type GatewayPki,
} from '../helpers/pki-fixture.ts';

interface EchoTarget {
  port: number;
  connections: number;
  close(): Promise<void>;
}

/** A loopback echo server that keeps half-close, counting the connections it accepted. */
async function startEchoTarget(): Promise<EchoTarget> {
  const sockets = new Set<net.Socket>();
  const target: EchoTarget = { port: 0, connections: 0, close: async () => undefined };
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    target.connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target.port = (server.address() as net.AddressInfo).port;
  target.close = () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return target;
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe('InnerTlsServer', () => {
  let pki: GatewayPki;
  let otherPki: GatewayPki;
  let echo: EchoTarget;
  let logs: CapturedLogger;
  let server: InnerTlsServer;

  beforeAll(async () => {
    [pki, otherPki] = await Promise.all([createGatewayPki(), createGatewayPki()]);
    echo = await startEchoTarget();
  });

  afterAll(async () => {
    await echo.close();
  });

  /** The gateway's clock for certificate validity (tests move it forward). */
  let clockSkewMs = 0;

  function startServer(
    handshakeTimeoutMs = 5_000,
    extraActions: Record<string, ActionHandler> = {},
  ): InnerTlsServer {
    logs = captureLogs();
    clockSkewMs = 0;
    server = new InnerTlsServer({
      credentials: pki.credentials,
      gatewayId: GATEWAY_ID,
      actions: {
        [ALPN.tcpProxy]: createTcpProxyHandler({ connectTimeoutMs: 2_000 }),
        [ALPN.ping]: handlePing,
        [ALPN.health]: handleHealth,
        ...extraActions,
      },
      logger: logs.logger,
      handshakeTimeoutMs,
      now: () => Date.now() + clockSkewMs,
    });
    return server;
  }

  afterEach(() => {
    server?.close();
  });

  async function call(options: {
    alpn?: string[];
    certificate?: { certificatePem: string; privateKeyPem: string } | null;
    send?: Buffer;
    maxVersion?: 'TLSv1.2' | 'TLSv1.3';
    session?: Buffer;
  }) {
    const { channel, caller } = await createChannelPair();
    const channelClosed = new Promise<void>((resolve) => channel.once('close', () => resolve()));
    server.handleChannel(channel);
    const certificate =
      options.certificate === null ? undefined : (options.certificate ?? (await issueCaller(pki)));
    const socket = connectCaller(caller, {
      serverCertificateChain: pki.serverCertificateChain,
      ...(certificate ? { certificate } : {}),
      ...(options.alpn ? { alpn: options.alpn } : {}),
      ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}),
      ...(options.session ? { session: options.session } : {}),
    });
    let ticket: Buffer | undefined;
    let resumed = false;
    socket.on('session', (session: Buffer) => (ticket = session));
    socket.once('secureConnect', () => (resumed = socket.isSessionReused()));
    const outcome = await runCaller(socket, options.send);
    return { ...outcome, channelClosed, resumed, ticket: ticket as Buffer | undefined };
  }

  it('serves the ALPN list tcp-proxy, ping, health', () => {
    startServer();
    expect(server.alpnProtocols).toEqual([ALPN.tcpProxy, ALPN.ping, ALPN.health]);
  });

  it('infisical-ping: writes PONG and closes the stream and the channel', async () => {
    startServer();
    const outcome = await call({ alpn: [ALPN.ping] });
    expect(outcome.secure).toBe(true);
    expect(outcome.alpn).toBe(ALPN.ping);
    expect(outcome.data.toString()).toBe(PING_REPLY);
    expect(outcome.error).toBeUndefined();
    await outcome.channelClosed;
  });

  it('infisical-health: writes the health reply; the caller preference picks health over ping', async () => {
    startServer();
    const outcome = await call({ alpn: [ALPN.health, ALPN.ping] });
    expect(outcome.alpn).toBe(ALPN.health);
    expect(outcome.data.toString()).toBe(healthReply());
    expect(JSON.parse(outcome.data.toString())).toEqual({ status: 'ok', heartbeatTTL: 180 });
  });

  it('infisical-tcp-proxy: 4 MiB through a loopback echo target arrive intact', async () => {
    startServer();
    const payload = randomBytes(4 * 1024 * 1024);
    const outcome = await call({
      alpn: [ALPN.tcpProxy],
      certificate: await issueCaller(pki, '127.0.0.1', echo.port),
      send: payload,
    });
    expect(outcome.error).toBeUndefined();
    expect(outcome.data.length).toBe(payload.length);
    expect(sha256(outcome.data)).toBe(sha256(payload));
    const closed = await logs.waitFor('tcp-proxy stream closed');
    expect(closed.bytesToTarget).toBe(payload.length);
    expect(closed.bytesFromTarget).toBe(payload.length);
    expect(closed.target).toBe(`127.0.0.1:${echo.port}`);
    expect(closed.actor).toBe('platform');
  });

  it('infisical-tcp-proxy with the target down: the caller sees a close, the reason is logged', async () => {
    startServer();
    const port = await freePort();
    const outcome = await call({
      alpn: [ALPN.tcpProxy],
      certificate: await issueCaller(pki, '127.0.0.1', port),
      send: Buffer.from('hello'),
    });
    expect(outcome.secure).toBe(true);
    expect(outcome.data.length).toBe(0);
    const line = await logs.waitFor('tcp-proxy target unreachable; closing the stream');
    expect(line.code).toBe('ECONNREFUSED');
    expect(line.target).toBe(`127.0.0.1:${port}`);
  });

  it('infisical-tcp-proxy without a target extension: closed with a log line', async () => {
    startServer();
    const before = echo.connections;
    const outcome = await call({
      alpn: [ALPN.tcpProxy],
      certificate: await issueCallerWithoutTarget(pki),
      send: Buffer.from('hello'),
    });
    expect(outcome.data.length).toBe(0);
    await logs.waitFor(/tcp-proxy refused: the caller certificate names no target/);
    expect(echo.connections).toBe(before);
  });

  it('a malformed target extension: closed with a log line (certificate made by openssl)', async () => {
    startServer();
    const dir = mkdtempSync(path.join(tmpdir(), 'burrow-gw-'));
    try {
      writeFileSync(path.join(dir, 'ca.pem'), pki.clientCa.certificatePem);
      writeFileSync(path.join(dir, 'ca.key'), exportPrivateKeyPem(pki.clientCa.keyPair));
      writeFileSync(
        path.join(dir, 'ext.cnf'),
        [
          'extendedKeyUsage=clientAuth',
          'keyUsage=digitalSignature,keyEncipherment',
          // `…100.1` whose value is not JSON.
          `1.3.6.1.4.1.12345.100.1=DER:${Buffer.from('not json').toString('hex')}`,
        ].join('\n'),
      );
      const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
      run(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'leaf.key']);
      const subject = `/CN=platform:${GATEWAY_ID}`;
      run(['req', '-new', '-key', 'leaf.key', '-subj', subject, '-out', 'leaf.csr']);
      run([
        'x509',
        '-req',
        '-in',
        'leaf.csr',
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '1',
        '-extfile',
        'ext.cnf',
        '-out',
        'leaf.pem',
      ]);
      const before = echo.connections;
      const outcome = await call({
        alpn: [ALPN.tcpProxy],
        certificate: {
          certificatePem: readFileSync(path.join(dir, 'leaf.pem'), 'utf8'),
          privateKeyPem: readFileSync(path.join(dir, 'leaf.key'), 'utf8'),
        },
      });
      expect(outcome.secure).toBe(true);
      expect(outcome.data.length).toBe(0);
      const line = await logs.waitFor('caller certificate extensions are malformed; closing');
      expect(String(line.error)).toMatch(/1\.3\.6\.1\.4\.1\.12345\.100\.1/);
      expect(echo.connections).toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a caller offering only unknown ALPNs fails the handshake', async () => {
    startServer();
    const outcome = await call({ alpn: ['h2', 'infisical-unknown'] });
    expect(outcome.secure).toBe(false);
    expect(outcome.error?.code).toBe('ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL');
    const line = await logs.waitFor('inner TLS handshake refused');
    expect(line.code).toBe('ERR_SSL_NO_APPLICATION_PROTOCOL');
  });

  it('a caller offering no ALPN at all gets no action: closed with a log line', async () => {
    startServer();
    const outcome = await call({});
    expect(outcome.data.length).toBe(0);
    await logs.waitFor('caller chose no action (no ALPN); closing');
  });

  it.each(['TLSv1.3', 'TLSv1.2'] as const)(
    'a client certificate from another CA is refused and no byte reaches the target (%s)',
    async (maxVersion) => {
      startServer();
      const before = echo.connections;
      const outcome = await call({
        alpn: [ALPN.tcpProxy],
        certificate: await issueCaller(otherPki, '127.0.0.1', echo.port),
        send: Buffer.from('must not arrive'),
        maxVersion,
      });
      expect(outcome.data.length).toBe(0);
      await outcome.channelClosed;
      const line = await logs.waitFor('inner TLS handshake refused');
      // tls.Server verified the chain and dropped the caller before any action ran.
      expect(line.authorizationError).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      expect(echo.connections).toBe(before);
      expect(server.activeStreams).toBe(0);
    },
  );

  it('a caller without a client certificate is refused', async () => {
    startServer();
    const before = echo.connections;
    const outcome = await call({
      alpn: [ALPN.tcpProxy],
      certificate: null,
      send: Buffer.from('must not arrive'),
    });
    expect(outcome.data.length).toBe(0);
    expect(outcome.error?.code).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    const line = await logs.waitFor('inner TLS handshake refused');
    expect(line.code).toBe('ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE');
    expect(echo.connections).toBe(before);
  });

  it('enforces the handshake deadline: a silent channel is closed', async () => {
    startServer(300);
    const { channel, caller } = await createChannelPair();
    const startedAt = Date.now();
    const closed = new Promise<void>((resolve) => caller.once('close', () => resolve()));
    caller.on('end', () => caller.end());
    server.handleChannel(channel);
    await closed;
    const elapsed = Date.now() - startedAt;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(3_000);
    const line = await logs.waitFor('inner TLS handshake refused');
    expect(line.code).toBe('ERR_TLS_HANDSHAKE_TIMEOUT');
  });

  it('the handshake deadline is absolute: a caller dripping bytes does not extend it', async () => {
    startServer(300);
    const { channel, caller } = await createChannelPair();
    const startedAt = Date.now();
    const closed = new Promise<void>((resolve) => caller.once('close', () => resolve()));
    caller.on('error', () => undefined);
    caller.on('end', () => caller.end());
    server.handleChannel(channel);
    // A TLS record header announcing 16000 bytes, then one byte every 50 ms.
    caller.write(Buffer.from([0x16, 0x03, 0x01, 0x3e, 0x80]));
    const drip = setInterval(() => caller.writable && caller.write(Buffer.from([0x01])), 50);
    await closed;
    clearInterval(drip);
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    const line = await logs.waitFor('inner TLS handshake refused');
    expect(line.code).toBe('ERR_TLS_HANDSHAKE_TIMEOUT');
  });

  it('updateCredentials: new channels use the new CA, open streams keep going', async () => {
    startServer();
    // An open tcp-proxy stream made with the first credentials.
    const { channel, caller } = await createChannelPair();
    server.handleChannel(channel);
    const open = connectCaller(caller, {
      serverCertificateChain: pki.serverCertificateChain,
      certificate: await issueCaller(pki, '127.0.0.1', echo.port),
      alpn: [ALPN.tcpProxy],
    });
    await new Promise<void>((resolve) => open.once('secureConnect', () => resolve()));
    const echoOnce = async (text: string): Promise<string> => {
      open.write(text);
      const [chunk] = (await new Promise((resolve) =>
        open.once('data', (data: Buffer) => resolve([data])),
      )) as [Buffer];
      return chunk.toString();
    };
    expect(await echoOnce('before')).toBe('before');

    server.updateCredentials(otherPki.credentials);

    // A new caller with a certificate from the old client CA is refused now...
    const { channel: oldChannel, caller: oldCaller } = await createChannelPair();
    server.handleChannel(oldChannel);
    const refused = await runCaller(
      connectCaller(oldCaller, {
        // (the gateway now also presents the other org's server certificate)
        serverCertificateChain: otherPki.serverCertificateChain,
        certificate: await issueCaller(pki),
        alpn: [ALPN.ping],
      }),
    );
    expect(refused.data.length).toBe(0);

    // ...one from the new client CA is served...
    const { channel: newChannel, caller: newCaller } = await createChannelPair();
    server.handleChannel(newChannel);
    const served = await runCaller(
      connectCaller(newCaller, {
        serverCertificateChain: otherPki.serverCertificateChain,
        certificate: await issueCaller(otherPki),
        alpn: [ALPN.ping],
      }),
    );
    expect(served.data.toString()).toBe(PING_REPLY);

    // ...and the stream opened before the switch still works.
    expect(await echoOnce('after')).toBe('after');
    const done = runCaller(open);
    open.end();
    expect((await done).error).toBeUndefined();
  });

  describe('every stream is checked against the caller certificate it carries', () => {
    it('a certificate made for another gateway (G1) is refused at this one (G2), and logged', async () => {
      startServer();
      const before = echo.connections;
      const outcome = await call({
        alpn: [ALPN.tcpProxy],
        certificate: await issueCaller(pki, '127.0.0.1', echo.port, 'gateway-g1'),
        send: Buffer.from('hello'),
      });
      expect(outcome.data.length).toBe(0);
      const line = await logs.waitFor('caller certificate refused; closing');
      expect(line).toMatchObject({
        reason: 'the caller certificate was made for another gateway',
        expectedGatewayId: GATEWAY_ID,
        presentedGatewayId: 'gateway-g1',
        alpn: ALPN.tcpProxy,
      });
      expect(echo.connections).toBe(before);
      // The same certificate made for this gateway goes through.
      const served = await call({
        alpn: [ALPN.tcpProxy],
        certificate: await issueCaller(pki, '127.0.0.1', echo.port),
        send: Buffer.from('hello'),
      });
      expect(served.data.toString()).toBe('hello');
    });

    it('tcp-proxy refuses a PAM certificate (…100.3): no raw, unrecorded TCP to the database', async () => {
      startServer();
      const before = echo.connections;
      const outcome = await call({
        alpn: [ALPN.tcpProxy],
        certificate: await issuePamCaller(pki, '127.0.0.1', echo.port),
        send: Buffer.from('SELECT 1'),
      });
      expect(outcome.secure).toBe(true);
      expect(outcome.data.length).toBe(0);
      await logs.waitFor(/^tcp-proxy refused: the caller certificate was made for a PAM session/);
      expect(echo.connections).toBe(before);
    });

    it('pam-proxy refuses a tcp-proxy (platform) certificate, which carries no PAM session', async () => {
      const untouched: PamPlatformClient = {
        fetchCredentials: () => Promise.reject(new Error('must not be called')),
        fetchSessionKey: () => Promise.reject(new Error('must not be called')),
        uploadEvents: () => Promise.reject(new Error('must not be called')),
        uploadChunk: () => Promise.reject(new Error('must not be called')),
        endSession: () => Promise.reject(new Error('must not be called')),
      };
      const sessions = new PamSessions({
        protocols: [createPostgresPamProtocol()],
        platform: untouched,
        recordingDir: undefined,
        logger: captureLogs().logger,
      });
      startServer(5_000, { [ALPN.pamProxy]: createPamProxyHandler(sessions) });
      const before = echo.connections;
      const outcome = await call({
        alpn: [ALPN.pamProxy],
        certificate: await issueCaller(pki, '127.0.0.1', echo.port),
        send: Buffer.from('startup'),
      });
      expect(outcome.secure).toBe(true);
      expect(outcome.data.length).toBe(0);
      await logs.waitFor(/^PAM action refused: the caller certificate carries no PAM session/);
      expect(echo.connections).toBe(before);
      await sessions.stop();
    });

    it('a resumed TLS session is refused once the certificate it carries has expired', async () => {
      startServer();
      const certificate = await issueCaller(pki, '127.0.0.1', echo.port);
      const first = await call({ alpn: [ALPN.ping], certificate, maxVersion: 'TLSv1.3' });
      expect(first.data.toString()).toBe(PING_REPLY);
      expect(first.ticket).toBeInstanceOf(Buffer);
      // Resumption works while the certificate is valid...
      const resumed = await call({ alpn: [ALPN.ping], certificate, session: first.ticket! });
      expect(resumed.resumed).toBe(true);
      expect(resumed.data.toString()).toBe(PING_REPLY);
      // ...and not once the gateway's clock is past its NotAfter (OpenSSL does not look again).
      const notAfter = new Date(certificate.certificate.notAfter).getTime();
      clockSkewMs = notAfter - Date.now() + 1_000;
      const before = echo.connections;
      const expired = await call({
        alpn: [ALPN.tcpProxy],
        certificate,
        session: resumed.ticket ?? first.ticket!,
        send: Buffer.from('hello'),
      });
      expect(expired.resumed).toBe(true);
      expect(expired.data.length).toBe(0);
      const line = await logs.waitFor('caller certificate refused; closing');
      expect(line.reason).toBe(
        'the caller certificate is not valid now (expired or not yet valid)',
      );
      expect(line.notAfter).toBe(new Date(notAfter).toISOString());
      expect(echo.connections).toBe(before);
    });
  });

  it('close() ends every open stream and its target connection', async () => {
    startServer();
    const { channel, caller } = await createChannelPair();
    server.handleChannel(channel);
    const socket = connectCaller(caller, {
      serverCertificateChain: pki.serverCertificateChain,
      certificate: await issueCaller(pki, '127.0.0.1', echo.port),
      alpn: [ALPN.tcpProxy],
    });
    const outcome = runCaller(socket);
    await new Promise<void>((resolve) => socket.once('secureConnect', () => resolve()));
    await logs.waitFor('tcp-proxy connected to target');
    expect(server.activeStreams).toBe(1);
    server.close();
    await outcome;
    await logs.waitFor('tcp-proxy stream closed');
    expect(server.activeStreams).toBe(0);
  });
});
