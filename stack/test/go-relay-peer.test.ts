/**
 * Burrow's gateway, control plane and caller behind a relay built on Go's x/crypto/ssh and
 * crypto/tls: Burrow's own Go test peer (@burrow/test-support go/reference-relay-peer), which
 * behaves on the wire as the reference relay does — CertChecker against the org's SSH client CA,
 * the KeyId check, first connection wins, global requests answered false, relay-opened
 * direct-tcpip channels with an EMPTY payload, and the :8443 listener routing on the client
 * certificate's CN (issue 21).
 *
 * The control plane runs with BURROW_KEY_ALGORITHM=rsa-2048, the reference's key profile: every
 * TLS and SSH key of the run is RSA-2048 (the Go gateway peer's test covers the default profile).
 *
 * The peer is built at test time (GOPATH mode on Debian's golang packages) into a temp dir; every
 * process is stopped by its PID in afterAll.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { routes } from '@burrow/platform-api';
import { buildGoTestPeer, freePort } from '@burrow/test-support';
import {
  ALPN,
  dialGateway,
  GATEWAY_SSH_KEEPALIVE_COUNT_MAX,
  type AlpnName,
  type DialGatewayOptions,
} from '@burrow/tunnel-protocol';
import {
  createUniversalAuthIdentity,
  gatewayRoutes,
  LocalStack,
  ManagedProcess,
  startEchoTarget,
  type GatewayHandle,
} from '../src/index.ts';
import { readToEnd } from './support/read-to-end.ts';
import { allStarted } from './support/all-started.ts';
import { until } from './support/until.ts';

const RELAY = 'relay-go';
const GATEWAY = 'burrow-gw';
const OTHER_GATEWAY = 'burrow-gw-other';
const BIG = 64 * 1024 * 1024;

let stack: LocalStack;
let target: Awaited<ReturnType<typeof startEchoTarget>>;
let relayBinary: string;
let relayIdentity: { clientId: string; clientSecret: string };
let relayPorts: { ssh: number; tls: number };
let relay: ManagedProcess;
let gateway: GatewayHandle;
let other: GatewayHandle;
let gatewayId: string;
let otherGatewayId: string;
let buildDir: string;

/** Starts the Go relay peer on the test's ports (the reference's are fixed at 2222/8443). */
async function startGoRelay(): Promise<ManagedProcess> {
  const goRelay = new ManagedProcess({
    name: 'go relay peer',
    command: relayBinary,
    args: ['-ssh-port', String(relayPorts.ssh), '-tls-port', String(relayPorts.tls)],
    env: {
      PATH: process.env.PATH,
      INFISICAL_API_URL: stack.apiUrl,
      INFISICAL_RELAY_NAME: RELAY,
      INFISICAL_RELAY_HOST: '127.0.0.1',
      INFISICAL_UNIVERSAL_AUTH_CLIENT_ID: relayIdentity.clientId,
      INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET: relayIdentity.clientSecret,
    },
    logFile: path.join(stack.workDir, 'go-relay-peer.log'),
  });
  await goRelay.waitFor(/peer: listening/, 60_000);
  return goRelay;
}

beforeAll(async () => {
  buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-go-relay-'));
  // Each one kept as it comes, and all settled before a failure is thrown, so that afterAll stops
  // what did start (an echo target left open kept jest from exiting).
  await allStarted([
    buildGoTestPeer('reference-relay-peer', buildDir).then((binary) => (relayBinary = binary)),
    startEchoTarget().then((echo) => (target = echo)),
    LocalStack.start({ controlPlaneEnv: { BURROW_KEY_ALGORITHM: 'rsa-2048' } }).then(
      (started) => (stack = started),
    ),
  ]);
  relayIdentity = await createUniversalAuthIdentity(
    stack.api,
    stack.organizationId,
    `${RELAY}-identity`,
    'relay',
  );
  relayPorts = { ssh: await freePort(), tls: await freePort() };
  relay = await startGoRelay();
  [gateway, other] = await Promise.all([
    stack.startGateway(GATEWAY, RELAY),
    stack.startGateway(OTHER_GATEWAY, RELAY),
  ]);
  gatewayId = (await stack.waitForHealthyGateway(GATEWAY)).id;
  otherGatewayId = (await stack.waitForHealthyGateway(OTHER_GATEWAY)).id;
}, 300_000);

afterAll(async () => {
  await relay?.stop();
  await stack?.stop();
  await target?.close();
  if (buildDir) fs.rmSync(buildDir, { recursive: true, force: true });
});

async function route(id: string, alpn: AlpnName): Promise<DialGatewayOptions> {
  const [first] = await gatewayRoutes(
    stack.api,
    id,
    { host: '127.0.0.1', port: target.port },
    alpn,
  );
  return first!;
}

function relayLines(pattern: RegExp): string[] {
  return relay.output().filter((line) => pattern.test(line));
}

describe('Burrow’s gateway behind a Go relay (x/crypto/ssh, crypto/tls), RSA-2048 everywhere', () => {
  it('registers the relay, whose heartbeat the control plane confirmed with the all-zero-CN probe', async () => {
    await relay.waitFor(/peer: heartbeat ok/, 60_000);
    expect(relayLines(/peer: heartbeat probe/).length).toBeGreaterThan(0);
    const row = (await stack.api.call(routes.listRelays)).find((r) => r.name === RELAY);
    expect(row?.heartbeat).not.toBeNull();
    expect(row?.sshPort).toBe(relayPorts.ssh);
  });

  it('admits both gateways with their certificates (CertChecker, KeyId client-<relay>), all RSA-2048', () => {
    const connected = relayLines(/peer: gateway connected/);
    for (const [id, name] of [
      [gatewayId, GATEWAY],
      [otherGatewayId, OTHER_GATEWAY],
    ] as const) {
      const line = connected.find((l) => l.includes(`gatewayId="${id}"`));
      expect(line).toContain(`gatewayName="${name}"`);
      expect(line).toContain('keyType="ssh-rsa"');
    }
    expect(relayLines(/peer: host key/)[0]).toContain('type="ssh-rsa-cert-v01@openssh.com"');
    expect(relayLines(/peer: tls certificate/)[0]).toMatch(/keyAlgorithm="RSA" bits="2048"/);
    expect(relayLines(/peer: gateway refused/)).toEqual([]);
  });

  it('reports the gateway healthy: the control plane’s probe went through the Go relay', async () => {
    const row = (await stack.api.call(routes.listGateways)).find((g) => g.name === GATEWAY);
    expect(row?.isHealthy).toBe(true);
    // Burrow's gateway answers infisical-health (it lists health before ping).
    expect(row?.heartbeatTTL).toBe(180);
  });

  it('passes the control plane’s test-connection to a TCP target', async () => {
    const result = await stack.api.call(routes.testGatewayConnection, {
      params: { id: gatewayId },
      body: { targetHost: '127.0.0.1', targetPort: target.port },
    });
    expect(result.reachable).toBe(true);
    expect(relayLines(/peer: caller routed/).at(-1)).toMatch(/keyAlgorithm="RSA" bits="2048"/);
  });

  it('carries 64 MiB through infisical-tcp-proxy intact (SHA-256 both ways)', async () => {
    const payload = crypto.randomBytes(BIG);
    const socket = await dialGateway(await route(gatewayId, ALPN.tcpProxy));
    const received = crypto.createHash('sha256');
    let count = 0;
    const closed = new Promise<void>((resolve, reject) => {
      socket.on('data', (chunk: Buffer) => {
        received.update(chunk);
        count += chunk.length;
      });
      socket.on('error', reject);
      socket.on('close', () => resolve());
    });
    // Half-close after the payload: the Go relay passes the EOF on (CloseWrite on the channel)
    // and the echo, then the stream's end, come back.
    socket.end(payload);
    await closed;
    expect(count).toBe(BIG);
    expect(received.digest('hex')).toBe(crypto.createHash('sha256').update(payload).digest('hex'));
  }, 180_000);

  it('refuses a caller whose gateway certificate was made for another gateway (Burrow’s gateway checks it)', async () => {
    const from = gateway.process.lineCount;
    const forOther = await route(otherGatewayId, ALPN.ping);
    // The relay certificate routes to GATEWAY; the inner client certificate is OTHER_GATEWAY's.
    const mixed = { ...(await route(gatewayId, ALPN.ping)), gateway: forOther.gateway, gatewayId };
    const reply = await dialGateway(mixed).then(
      readToEnd,
      (error: Error) => `refused: ${error.message}`,
    );
    expect(reply).not.toContain('PONG');
    await gateway.process.waitFor(
      /the caller certificate was made for another gateway/,
      30_000,
      from,
    );
  });

  it('closes, without a byte, a caller routed to a gateway it does not hold', async () => {
    await other.process.stop();
    await relay.waitFor(
      new RegExp(`peer: gateway disconnected gatewayId="${otherGatewayId}"`),
      30_000,
    );
    const attempt = dialGateway(await route(otherGatewayId, ALPN.ping));
    await expect(attempt).rejects.toMatchObject({ stage: 'gateway-tls' });
    await relay.waitFor(/peer: caller refused reason="gateway not connected"/, 30_000);
  });

  it('keeps Burrow’s gateway connected although every keepalive@openssh.com is answered false', async () => {
    // More refusals than GATEWAY_SSH_KEEPALIVE_COUNT_MAX: were a false reply counted as no reply, the
    // gateway would have dropped the connection by now.
    const keepalives = new RegExp(
      `peer: global request refused gatewayId="${gatewayId}" type="keepalive@openssh.com"`,
    );
    await until(() => relayLines(keepalives).length > GATEWAY_SSH_KEEPALIVE_COUNT_MAX + 1, 60_000);
    expect(gateway.process.output().filter((l) => l.includes('relay connection lost'))).toEqual([]);
    expect(relayLines(new RegExp(`peer: gateway disconnected gatewayId="${gatewayId}"`))).toEqual(
      [],
    );
  }, 90_000);

  it('reconnects to the restarted Go relay and carries a test connection again', async () => {
    const from = gateway.process.lineCount;
    await relay.stop();
    await gateway.process.waitFor(/relay connection lost/, 30_000, from);
    relay = await startGoRelay();
    await gateway.process.waitFor(/reconnected to relay/, 120_000, from);
    await relay.waitFor(new RegExp(`peer: gateway connected gatewayId="${gatewayId}"`), 30_000);
    const result = await stack.api.call(routes.testGatewayConnection, {
      params: { id: gatewayId },
      body: { targetHost: '127.0.0.1', targetPort: target.port },
    });
    expect(result.reachable).toBe(true);
    expect(await readToEnd(await dialGateway(await route(gatewayId, ALPN.ping)))).toBe('PONG\n');
  }, 180_000);
});
