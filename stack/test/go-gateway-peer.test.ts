/**
 * Burrow's relay, control plane and caller against a gateway built on Go's x/crypto/ssh and
 * crypto/tls: Burrow's own Go test peer (@burrow/test-support go/reference-gateway-peer), which
 * behaves on the wire as the reference gateway does — pinned SSH algorithms, a host-certificate
 * check on the dial address, relay-opened direct-tcpip channels, the inner mTLS with the
 * reference's ALPNs, and channels closed right after the reply without EOF (issue 21).
 *
 * The peer is built at test time (GOPATH mode on Debian's golang packages) into a temp dir; every
 * process is stopped by its PID in afterAll.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { routes } from '@burrow/platform-api';
import { buildGoTestPeer } from '@burrow/test-support';
import { ALPN, dialGateway, RELAY_DRAIN_TIMEOUT_MS, type AlpnName } from '@burrow/tunnel-protocol';
import {
  createUniversalAuthIdentity,
  gatewayRoutes,
  LocalStack,
  ManagedProcess,
  startEchoTarget,
  type RelayHandle,
} from '../src/index.ts';
import { readToEnd } from './support/read-to-end.ts';
import { allStarted } from './support/all-started.ts';
import { until } from './support/until.ts';

const RELAY = 'relay-go';
const GATEWAY = 'go-gateway';
const BIG = 64 * 1024 * 1024;

let stack: LocalStack;
let target: Awaited<ReturnType<typeof startEchoTarget>>;
let relay: RelayHandle;
let peer: ManagedProcess;
let gatewayId: string;
let buildDir: string;
let binary: string;
let identity: { clientId: string; clientSecret: string };

function peerEnv(identity: { clientId: string; clientSecret: string }): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    INFISICAL_API_URL: stack.apiUrl,
    INFISICAL_RELAY_NAME: RELAY,
    INFISICAL_UNIVERSAL_AUTH_CLIENT_ID: identity.clientId,
    INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET: identity.clientSecret,
  };
}

beforeAll(async () => {
  buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-go-peer-'));
  // Each one kept as it comes, and all settled before a failure is thrown, so that afterAll stops
  // what did start (an echo target left open kept jest from exiting).
  await allStarted([
    buildGoTestPeer('reference-gateway-peer', buildDir).then((built) => (binary = built)),
    startEchoTarget().then((echo) => (target = echo)),
    LocalStack.start().then((started) => (stack = started)),
  ]);
  relay = await stack.startRelay(RELAY);
  identity = await createUniversalAuthIdentity(
    stack.api,
    stack.organizationId,
    `${GATEWAY}-identity`,
    'gateway',
  );
  peer = new ManagedProcess({
    name: 'go gateway peer',
    command: binary,
    // The reference dials port 2222 always; the test's relay listens on a free port.
    args: ['-relay-ssh-port', String(relay.sshPort), '-reconnect-delay', '1s', GATEWAY],
    env: peerEnv(identity),
    logFile: path.join(stack.workDir, 'go-gateway-peer.log'),
  });
  await peer.waitFor(/peer: ssh connected/, 60_000);
  gatewayId = (await stack.waitForHealthyGateway(GATEWAY)).id;
}, 300_000);

afterAll(async () => {
  await peer?.stop();
  await stack?.stop();
  await target?.close();
  if (buildDir) fs.rmSync(buildDir, { recursive: true, force: true });
});

async function dial(alpn: AlpnName): Promise<TLSSocket> {
  const [route] = await gatewayRoutes(
    stack.api,
    gatewayId,
    { host: '127.0.0.1', port: target.port },
    alpn,
  );
  return dialGateway(route!);
}

function tlsHandshakeFailures(): string[] {
  return peer.output().filter((line) => line.includes('tls handshake failed'));
}

describe('a Go gateway (x/crypto/ssh, crypto/tls) behind Burrow’s relay', () => {
  it('registers, logs in to the relay with its certificate, and is healthy: the control plane’s probe read its reply', async () => {
    const row = (await stack.api.call(routes.listGateways)).find((g) => g.name === GATEWAY);
    expect(row?.isHealthy).toBe(true);
    // The probe offers [infisical-health, infisical-ping]; Go's crypto/tls picks by the SERVER's
    // order, and the reference gateway lists health before ping: the probe read the health JSON.
    expect(row?.heartbeatTTL).toBe(180);
    await peer.waitFor(/peer: heartbeat ok/, 30_000);
    expect(peer.output().join('\n')).toMatch(/peer: stream alpn="infisical-health"/);
    // The relayHost it was given is a bare host: it dialled relayHost:port (reference §5.3).
    expect(peer.output().join('\n')).toMatch(/peer: registered .*relayHost="127\.0\.0\.1"/);
  });

  it('an older gateway without infisical-health is probed healthy through the ping fallback (PONG, TTL 1800)', async () => {
    const name = 'go-gateway-old';
    const identity = await createUniversalAuthIdentity(
      stack.api,
      stack.organizationId,
      `${name}-identity`,
      'gateway',
    );
    const old = new ManagedProcess({
      name: 'older go gateway peer',
      command: binary,
      args: ['-relay-ssh-port', String(relay.sshPort), '-without-health', name],
      env: peerEnv(identity),
      logFile: path.join(stack.workDir, 'go-gateway-peer-old.log'),
    });
    try {
      const row = await stack.waitForHealthyGateway(name);
      // The backend's DEFAULT_HEARTBEAT_TTL for a PONG reply (reference §5.7).
      expect(row.heartbeatTTL).toBe(1800);
      expect(old.output().join('\n')).toMatch(/peer: stream alpn="infisical-ping"/);
    } finally {
      await old.stop();
    }
  }, 120_000);

  it('answers a caller’s ping through the relay although it closes the channel without EOF', async () => {
    expect(await readToEnd(await dial(ALPN.ping))).toBe('PONG\n');
  });

  it('passes the control plane’s test-connection to a TCP target', async () => {
    const result = await stack.api.call(routes.testGatewayConnection, {
      params: { id: gatewayId },
      body: { targetHost: '127.0.0.1', targetPort: target.port },
    });
    expect(result.reachable).toBe(true);
  });

  it('carries 64 MiB through infisical-tcp-proxy intact (SHA-256 both ways)', async () => {
    const payload = crypto.randomBytes(BIG);
    const socket = await dial(ALPN.tcpProxy);
    // The reference's tcp-proxy ends the stream as soon as either side ends: the caller half-closes
    // only after the whole echo is back (an end() right after the payload loses its tail).
    const received = crypto.createHash('sha256');
    let count = 0;
    await new Promise<void>((resolve, reject) => {
      socket.on('data', (chunk: Buffer) => {
        received.update(chunk);
        count += chunk.length;
        if (count >= BIG) resolve();
      });
      socket.on('error', reject);
      socket.on('close', () => reject(new Error(`closed after ${count} bytes`)));
      socket.write(payload);
    });
    socket.end();
    expect(count).toBe(BIG);
    expect(received.digest('hex')).toBe(crypto.createHash('sha256').update(payload).digest('hex'));
  }, 120_000);

  it('never reaches it with a relay certificate made for another gateway: Burrow’s relay routes on that certificate’s CN and closes the caller without a byte', async () => {
    // Another gateway of the same org, registered (so the control plane issues certificates for
    // it) but not connected to the relay.
    const other = await createUniversalAuthIdentity(
      stack.api,
      stack.organizationId,
      'go-gateway-other-identity',
      'gateway',
    );
    const login = await stack.api.call(routes.universalAuthLogin, {
      body: { clientId: other.clientId, clientSecret: other.clientSecret },
    });
    const { gatewayId: otherGatewayId } = await stack
      .clientWith(login.accessToken)
      .call(routes.registerGateway, { body: { relayName: RELAY, name: 'go-gateway-other' } });
    const [forOther] = await gatewayRoutes(
      stack.api,
      otherGatewayId,
      { host: '127.0.0.1', port: target.port },
      ALPN.ping,
    );
    const [own] = await gatewayRoutes(
      stack.api,
      gatewayId,
      { host: '127.0.0.1', port: target.port },
      ALPN.ping,
    );
    const peerFrom = peer.lineCount;
    const relayFrom = relay.process.lineCount;
    // The Go gateway's own inner certificate, behind a relay certificate for the other gateway.
    const attempt = dialGateway({ ...forOther!, gateway: own!.gateway });
    await expect(attempt).rejects.toMatchObject({ stage: 'gateway-tls' });
    const refused = await relay.process.waitFor(/Caller refused/, 30_000, relayFrom);
    expect(refused).toContain(otherGatewayId);
    expect(refused).toContain('gateway is not connected to this relay');
    // Nothing reached the Go gateway: a ping with its own relay certificate is the only ping
    // stream it saw since (the control plane's health probes may come and go meanwhile).
    expect(await readToEnd(await dial(ALPN.ping))).toBe('PONG\n');
    const reached = peer.linesSince(peerFrom);
    expect(reached.filter((line) => /peer: stream alpn="infisical-ping"/.test(line))).toHaveLength(
      1,
    );
    expect(reached.filter((line) => line.includes('tls handshake failed'))).toEqual([]);
  });

  it('a second live copy with the same identity does not take its tunnel (no flapping); a copy that stops answering is replaced, once', async () => {
    const relayLines = (pattern: RegExp, from: number): string[] =>
      relay.process.linesSince(from).filter((line) => pattern.test(line));
    const refusedCopy = /still answers: closing the newer one/;
    const replaced = /its previous connection did not answer: closing it/;
    const relayFrom = relay.process.lineCount;
    const peerFrom = peer.lineCount;
    const copy = new ManagedProcess({
      name: 'second copy of the go gateway peer',
      command: binary,
      // The reference's retry habit (6 dials 2·n s apart, then a pause) with a 1 s pause.
      args: ['-relay-ssh-port', String(relay.sshPort), '-reconnect-delay', '1s', GATEWAY],
      env: peerEnv(identity),
      logFile: path.join(stack.workDir, 'go-gateway-peer-copy.log'),
    });
    const peerPid = peer.child.pid!;
    let stopped = false;
    try {
      // Both live: each of the copy's attempts is closed; the first keeps its connection.
      await until(() => relayLines(refusedCopy, relayFrom).length >= 3, 90_000);
      expect(relayLines(replaced, relayFrom)).toEqual([]);
      expect(peer.linesSince(peerFrom).filter((l) => l.includes('relay connection ended'))).toEqual(
        [],
      );
      expect(await readToEnd(await dial(ALPN.ping))).toBe('PONG\n');

      // The first stops answering (a frozen process: its TCP connection stays open). The copy's
      // next attempt replaces it — or, on a slow machine, finds it already dropped by keepalives.
      const frozenFrom = relay.process.lineCount;
      process.kill(peerPid, 'SIGSTOP');
      stopped = true;
      await relay.process.waitFor(
        /its previous connection did not answer|"msg":"Gateway connected"/,
        60_000,
        frozenFrom,
      );
      const copyInFrom = copy.lineCount;
      expect(relayLines(replaced, frozenFrom).length).toBeLessThanOrEqual(1);

      // Continued, the first finds its connection gone and retries; now the copy answers, so the
      // first is closed each time and the copy keeps the tunnel: the replacements stop at one.
      const settledFrom = relay.process.lineCount;
      process.kill(peerPid, 'SIGCONT');
      stopped = false;
      await peer.waitFor(/peer: relay connection ended/, 60_000, peerFrom);
      await until(() => relayLines(refusedCopy, settledFrom).length >= 3, 90_000);
      expect(relayLines(replaced, settledFrom)).toEqual([]);
      expect(
        copy.linesSince(copyInFrom).filter((l) => l.includes('relay connection ended')),
      ).toEqual([]);
      expect(await readToEnd(await dial(ALPN.ping))).toBe('PONG\n');
    } finally {
      if (stopped) process.kill(peerPid, 'SIGCONT');
      await copy.stop();
    }
    // The copy gone, the first gets the tunnel back on its next attempt.
    const backFrom = relay.process.lineCount;
    await relay.process.waitFor(/"msg":"Gateway connected"/, 60_000, backFrom);
    expect(await readToEnd(await dial(ALPN.ping))).toBe('PONG\n');
  }, 300_000);

  it('is not sent the drain notice when the relay drains (it would take it for a caller), and reconnects to the restarted relay', async () => {
    const from = peer.lineCount;
    await relay.process.stop('SIGTERM', { graceMs: RELAY_DRAIN_TIMEOUT_MS + 15_000 });
    await peer.waitFor(/peer: relay connection ended/, 30_000, from);
    expect(tlsHandshakeFailures()).toEqual([]);

    relay = await stack.startRelay(RELAY);
    await peer.waitFor(/peer: ssh connected/, 60_000, from);
    expect(await readToEnd(await dial(ALPN.ping))).toBe('PONG\n');
    expect(tlsHandshakeFailures()).toEqual([]);
  }, 180_000);
});
