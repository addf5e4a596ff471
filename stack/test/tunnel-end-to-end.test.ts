/**
 * The first end-to-end tunnel, from the real binaries on loopback: control plane, two relays and a
 * gateway started with the reference's INFISICAL_* variables, a TCP echo target, and the
 * caller-side dialer of @burrow/tunnel-protocol. Every process is stopped by its PID in afterAll.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectToRelay } from '@burrow/ssh-transport';
import { dialGateway, dialRelay, type DialGatewayOptions } from '@burrow/tunnel-protocol';
import { createRootCa, issueRelayClientCertificate } from '@burrow/pki';
import { routes } from '@burrow/platform-api';
import {
  gatewayRoutes,
  LocalStack,
  startEchoTarget,
  type GatewayHandle,
  type RelayHandle,
} from '../src/index.ts';

const tapFile = path.join(
  fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-tap-')),
  'relay-plaintext.bin',
);
const tapModule = path.resolve(import.meta.dirname, 'support/relay-plaintext-tap.mjs');

let stack: LocalStack;
let target: Awaited<ReturnType<typeof startEchoTarget>>;
let relayA: RelayHandle;
let relayB: RelayHandle;
let gateway: GatewayHandle;
let gatewayId: string;

beforeAll(async () => {
  target = await startEchoTarget();
  stack = await LocalStack.start();
  relayA = await stack.startRelay('relay-a', {
    env: { NODE_OPTIONS: `--import=${tapModule}`, BURROW_TEST_TAP_FILE: tapFile },
  });
  relayB = await stack.startRelay('relay-b');
  gateway = await stack.startGateway('gateway-a', 'relay-a');
  gatewayId = (await stack.waitForHealthyGateway('gateway-a')).id;
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await target?.close();
  fs.rmSync(path.dirname(tapFile), { recursive: true, force: true });
});

async function connectionDetails(targetPort: number): Promise<DialGatewayOptions> {
  const [first] = await gatewayRoutes(stack.api, gatewayId, {
    host: '127.0.0.1',
    port: targetPort,
  });
  return first as DialGatewayOptions;
}

function echoThroughTunnel(options: DialGatewayOptions, payload: Buffer): Promise<Buffer> {
  return dialGateway(options).then(
    (socket) =>
      new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        let received = 0;
        socket.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          received += chunk.length;
          if (received >= payload.length) {
            socket.end();
            resolve(Buffer.concat(chunks));
          }
        });
        socket.on('error', reject);
        socket.on('close', () =>
          received < payload.length
            ? reject(new Error(`closed after ${received} bytes`))
            : undefined,
        );
        socket.write(payload);
      }),
  );
}

describe('the first end-to-end tunnel', () => {
  it('shows the gateway healthy and reaches the echo target through relay and gateway', async () => {
    const gateways = await stack.api.call(routes.listGateways);
    expect(gateways.find((g) => g.name === 'gateway-a')?.isHealthy).toBe(true);
    const result = await stack.api.call(routes.testGatewayConnection, {
      params: { id: gatewayId },
      body: { targetHost: '127.0.0.1', targetPort: target.port },
    });
    expect(result.reachable).toBe(true);
    expect(typeof result.roundTripMs).toBe('number');
  });

  it('reports a target that is down as unreachable', async () => {
    const closed = await startEchoTarget();
    const port = closed.port;
    await closed.close();
    const result = await stack.api.call(routes.testGatewayConnection, {
      params: { id: gatewayId },
      body: { targetHost: '127.0.0.1', targetPort: port },
    });
    expect(result.reachable).toBe(false);
  });

  it('carries 1 MiB intact, and the relay never sees the plaintext', async () => {
    const marker = Buffer.from(`burrow-marker-${crypto.randomBytes(8).toString('hex')}`);
    const payload = Buffer.concat([marker, crypto.randomBytes(1024 * 1024), marker]);
    const echoed = await echoThroughTunnel(await connectionDetails(target.port), payload);
    expect(echoed.equals(payload)).toBe(true);
    const seenByRelay = fs.readFileSync(tapFile);
    expect(seenByRelay.length).toBeGreaterThan(payload.length); // the tap did see the stream...
    expect(seenByRelay.includes(marker)).toBe(false); // ...but only inner-TLS ciphertext
    expect(seenByRelay.includes(payload.subarray(marker.length, marker.length + 64))).toBe(false);
  });

  it('refuses a caller without a client certificate (openssl s_client)', async () => {
    const output = await new Promise<string>((resolve) => {
      const child = execFile(
        'openssl',
        ['s_client', '-connect', `127.0.0.1:${relayA.tlsPort}`, '-tls1_3', '-quiet'],
        { timeout: 15_000 },
        (_error, stdout, stderr) => resolve(`${stdout}${stderr}`),
      );
      child.stdin?.end('hello\n');
    });
    expect(output).toMatch(/certificate required|alert|handshake failure/i);
  });

  it('refuses a caller certificate from a look-alike CA of another organization', async () => {
    const good = await connectionDetails(target.port);
    const forgedCa = await createRootCa({
      subject: { O: stack.organizationId, CN: 'Infisical Org Relay Client CA' },
    });
    const forged = await issueRelayClientCertificate({
      issuer: forgedCa,
      orgId: stack.organizationId,
      orgName: 'burrow-local',
      gatewayId,
      gatewayName: 'gateway-a',
    });
    const attempt = dialGateway({
      ...good,
      relay: {
        ...good.relay,
        certificate: forged.certificatePem,
        privateKey: forged.privateKeyPem,
      },
    });
    await expect(attempt).rejects.toThrow();
  });

  it('closes an unknown gateway ID without writing a byte', async () => {
    const good = await connectionDetails(target.port);
    // A relay client certificate for a gateway that is not connected: the stack's own gateway,
    // but through relay B, which it never dialed.
    const socket = await dialRelay({ ...good, relayPort: relayB.tlsPort });
    const received = await new Promise<number>((resolve) => {
      let bytes = 0;
      socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
      socket.on('close', () => resolve(bytes));
      socket.on('error', () => undefined);
    });
    expect(received).toBe(0);
  });
});

describe('gateway SSH certificates at the relay', () => {
  async function gatewayRegistration(): Promise<{
    ssh: { clientCertificate: string; clientPrivateKey: string; serverCAPublicKey: string };
  }> {
    const login = await stack.api.call(routes.universalAuthLogin, {
      body: {
        clientId: gateway.clientId,
        clientSecret: gateway.clientSecret,
      },
    });
    return stack.clientWith(login.accessToken).call(routes.registerGateway, {
      body: { relayName: 'relay-a', name: 'gateway-a' },
    });
  }

  it('refuses a certificate issued for another relay (key ID), with a clear log line', async () => {
    const registration = await gatewayRegistration();
    const from = relayB.process.lineCount;
    await expect(
      connectToRelay({
        host: '127.0.0.1',
        port: relayB.sshPort,
        username: gatewayId,
        privateKey: registration.ssh.clientPrivateKey,
        certificate: registration.ssh.clientCertificate,
        serverCaPublicKey: registration.ssh.serverCAPublicKey,
      }),
    ).rejects.toThrow();
    await relayB.process.waitFor(/key ID|WRONG_KEY_ID/i, 10_000, from);
  });

  it('refuses a tampered certificate, with a clear log line', async () => {
    const registration = await gatewayRegistration();
    const [type, blob] = registration.ssh.clientCertificate.trim().split(/\s+/) as [string, string];
    const bytes = Buffer.from(blob, 'base64');
    bytes[bytes.length - 10] = (bytes[bytes.length - 10] as number) ^ 0x01; // inside the CA signature
    const from = relayA.process.lineCount;
    await expect(
      connectToRelay({
        host: '127.0.0.1',
        port: relayA.sshPort,
        username: gatewayId,
        privateKey: registration.ssh.clientPrivateKey,
        certificate: `${type} ${bytes.toString('base64')}`,
        serverCaPublicKey: registration.ssh.serverCAPublicKey,
      }),
    ).rejects.toThrow();
    await relayA.process.waitFor(/signature|BAD_SIGNATURE/i, 10_000, from);
  });

  it('closes a second connection made with the gateway’s identity while the gateway’s own still answers; the gateway keeps its tunnel', async () => {
    const registration = await gatewayRegistration();
    const from = relayA.process.lineCount;
    const gatewayFrom = gateway.process.lineCount;
    const connection = await connectToRelay({
      host: '127.0.0.1',
      port: relayA.sshPort,
      username: gatewayId,
      privateKey: registration.ssh.clientPrivateKey,
      certificate: registration.ssh.clientCertificate,
      serverCaPublicKey: registration.ssh.serverCAPublicKey,
    });
    try {
      await relayA.process.waitFor(/still answers/, 30_000, from);
      await new Promise<void>((resolve) => {
        if (connection.closed) resolve();
        else connection.once('close', () => resolve());
      });
    } finally {
      connection.close();
    }
    const result = await stack.api.call(routes.testGatewayConnection, {
      params: { id: gatewayId },
      body: { targetHost: '127.0.0.1', targetPort: target.port },
    });
    expect(result.reachable).toBe(true);
    expect(
      gateway.process.linesSince(gatewayFrom).filter((l) => /relay connection lost/.test(l)),
    ).toEqual([]);
  });
});

describe('relay restart', () => {
  it('the gateway reconnects after the relay is killed and restarted, and new streams work', async () => {
    const gatewayFrom = gateway.process.lineCount;
    await relayA.process.stop('SIGKILL');
    relayA = await stack.startRelay('relay-a');
    await gateway.process.waitFor(/reconnected to relay/, 30_000, gatewayFrom);
    const payload = crypto.randomBytes(64 * 1024);
    const echoed = await echoThroughTunnel(await connectionDetails(target.port), payload);
    expect(echoed.equals(payload)).toBe(true);
    const result = await stack.api.call(routes.testGatewayConnection, {
      params: { id: gatewayId },
      body: { targetHost: '127.0.0.1', targetPort: target.port },
    });
    expect(result.reachable).toBe(true);
  });
});
