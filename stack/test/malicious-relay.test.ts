/**
 * A malicious relay, from the real binaries (issue 12): the operator of relay-a, which gateway G
 * dials, also holds an identity that may register a gateway. It registers a gateway of its own
 * (POST /api/v2/gateways) and so receives a genuine gateway server certificate and key of the
 * organization; it re-registers its relay for the relay's own TLS certificate, stops the real
 * relay process and answers on the relay's TLS port itself, terminating every caller's inner TLS
 * with its own gateway certificate (support/impostor-relay.ts).
 *
 * Before gateway pinning, every caller accepted that: same org CA, SAN localhost. Now the
 * control plane's test-connection, the tunnel-protocol dialer and `burrow pam access` each refuse
 * it, naming the gateway asked for and the one presented, and no plaintext reaches the impostor.
 * A caller without pinning (the first test) shows that the impostor does read what it is sent.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readGatewayIdentities } from '@burrow/pki';
import { ALPN, dialGateway, dialRelay, GatewayIdentityError } from '@burrow/tunnel-protocol';
import { routes } from '@burrow/platform-api';
import {
  createUniversalAuthIdentity,
  LocalStack,
  gatewayRoutes,
  runBurrow,
  startEchoTarget,
  type RelayHandle,
} from '../src/index.ts';
import { startImpostorRelay, type ImpostorRelay } from './support/impostor-relay.ts';
import { createOrdersDatabase, createPamMember, loginWithBurrow } from './support/pam-setup.ts';

const testDir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-malicious-relay-'));
const configDir = path.join(testDir, 'burrow-config');

let stack: LocalStack;
let target: Awaited<ReturnType<typeof startEchoTarget>>;
let relayA: RelayHandle;
let gatewayId: string;
let impostorGatewayId: string;
let impostor: ImpostorRelay;

async function login(clientId: string, clientSecret: string): Promise<string> {
  const { accessToken } = await stack.api.call(routes.universalAuthLogin, {
    body: { clientId, clientSecret },
  });
  return accessToken;
}

beforeAll(async () => {
  target = await startEchoTarget();
  stack = await LocalStack.start();
  relayA = await stack.startRelay('relay-a');
  await stack.startGateway('gateway-a', 'relay-a');
  gatewayId = (await stack.waitForHealthyGateway('gateway-a')).id;

  // A PAM account on gateway G, and a person logged in with `burrow`.
  await createOrdersDatabase(stack, gatewayId, target.port, [
    {
      name: 'orders-db',
      username: 'app',
      password: `pw-${crypto.randomBytes(12).toString('hex')}`,
    },
  ]);
  await loginWithBurrow(stack, await createPamMember(stack, 'alice', ['prod/']), configDir);

  // The attacker: an identity that may register a gateway gets a gateway certificate and key...
  const mallory = await createUniversalAuthIdentity(
    stack.api,
    stack.organizationId,
    'mallory',
    'gateway',
  );
  const malloryGateway = await stack
    .clientWith(await login(mallory.clientId, mallory.clientSecret))
    .call(routes.registerGateway, { body: { relayName: 'relay-a', name: 'mallory-gateway' } });
  impostorGatewayId = malloryGateway.gatewayId;
  expect(readGatewayIdentities(malloryGateway.pki.serverCertificate)).toEqual([impostorGatewayId]);
  // ...and, as relay-a's operator, the relay's own TLS certificate and key.
  const relayRegistration = await stack
    .clientWith(await login(relayA.clientId, relayA.clientSecret))
    .call(routes.registerOrgRelay, {
      body: {
        host: '127.0.0.1',
        name: 'relay-a',
        sshPort: relayA.sshPort,
        tlsPort: relayA.tlsPort,
      },
    });
  // It takes the real relay's place on the relay's TLS port.
  await relayA.process.stop();
  impostor = await startImpostorRelay({
    port: relayA.tlsPort,
    relay: relayRegistration.pki,
    gateway: malloryGateway.pki,
  });
}, 180_000);

afterAll(async () => {
  await impostor?.close();
  await stack?.stop();
  await target?.close();
  fs.rmSync(testDir, { recursive: true, force: true });
});

describe('a relay that terminates the inner TLS with a gateway certificate of its own', () => {
  it('fools a caller that does not pin the gateway: the impostor reads its stream', async () => {
    const [route] = await gatewayRoutes(stack.api, gatewayId, {
      host: '127.0.0.1',
      port: target.port,
    });
    const outer = await dialRelay(route!);
    // What the dialer did before pinning (and what a reference caller does): CA + localhost.
    const inner = tls.connect({
      socket: outer,
      servername: 'localhost',
      ca: route!.gateway.serverCertificateChain,
      cert: route!.gateway.certificate,
      key: route!.gateway.privateKey,
      ALPNProtocols: [ALPN.tcpProxy],
    });
    inner.on('error', () => undefined);
    await new Promise<void>((resolve) => inner.once('secureConnect', () => resolve()));
    const marker = Buffer.from(`plaintext-${crypto.randomBytes(8).toString('hex')}`);
    inner.write(marker);
    await impostor.waitForPlaintext(marker, 10_000);
    inner.destroy();
    await impostor.allClosed();
  });

  it("the control plane's test-connection refuses it, naming both gateways; nothing is sent", async () => {
    const before = impostor.plaintext().length;
    const result = await stack.api.call(routes.testGatewayConnection, {
      params: { id: gatewayId },
      body: { targetHost: '127.0.0.1', targetPort: target.port },
    });
    expect(result.reachable).toBe(false);
    expect(result.error).toContain(`expected gateway ${gatewayId}`);
    expect(result.error).toContain(`presented ${impostorGatewayId}`);
    await impostor.allClosed();
    expect(impostor.plaintext().length).toBe(before);
  });

  it('the tunnel-protocol dialer refuses it before handing out the socket', async () => {
    const before = impostor.plaintext().length;
    const [route] = await gatewayRoutes(stack.api, gatewayId, {
      host: '127.0.0.1',
      port: target.port,
    });
    const attempt = dialGateway({ ...route!, sessions: {} });
    await expect(attempt).rejects.toBeInstanceOf(GatewayIdentityError);
    await expect(attempt).rejects.toMatchObject({
      stage: 'gateway-identity',
      expected: gatewayId,
      presented: [impostorGatewayId],
    });
    await impostor.allClosed();
    expect(impostor.plaintext().length).toBe(before);
  });

  it('`burrow pam access` refuses it: one clear line, exit 1, nothing sent', async () => {
    const before = impostor.plaintext().length;
    const result = await runBurrow(['pam', 'access', 'prod/orders-db', '--port', '0'], {
      configDir,
    });
    expect(result.code).toBe(1);
    expect(result.stdout).not.toMatch(/psql/);
    expect(result.stderr).toMatch(
      /connected this session to the wrong gateway, so nothing was sent/,
    );
    expect(result.stderr).toContain(`expected gateway ${gatewayId}`);
    expect(result.stderr).toContain(`presented ${impostorGatewayId}`);
    await impostor.allClosed();
    expect(impostor.plaintext().length).toBe(before);
  });
});
