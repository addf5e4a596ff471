/**
 * A caller certificate opens streams only for what it was made for (issue 12), from the real
 * binaries: control plane, Burrow's own relay and two gateways G1 and G2 on it (LocalStack).
 *
 * - A PAM session certificate — asked for as `burrow pam access` asks, by a member with a grant —
 *   is refused by G1's infisical-tcp-proxy: a PAM session goes through infisical-pam-proxy,
 *   recorded and with injected credentials, never as raw TCP. The target sees no connection.
 * - A caller certificate the control plane made for G1, presented at G2 (the relay routes the
 *   stream to G2, whose server certificate the caller pins), is refused by G2.
 *
 * Each refusal is logged by the gateway that refused, and the target (a TCP listener that counts
 * its connections) is never reached; the same target is reachable with a certificate made for
 * it, so the refusals are the gateways' doing. Every process is stopped by its PID in afterAll.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { routes } from '@burrow/platform-api';
import {
  ALPN,
  dialGateway,
  RELAY_TLS_PORT,
  type DialGatewayOptions,
} from '@burrow/tunnel-protocol';
import { gatewayRoutes, LocalStack, type GatewayHandle } from '../src/index.ts';
import { readToEnd } from './support/read-to-end.ts';
import { createOrdersDatabase, createPamMember } from './support/pam-setup.ts';

/** A TCP target that answers `HELLO` and counts the connections and bytes that reach it. */
interface CountingTarget {
  port: number;
  connections: number;
  bytes: number;
  close(): Promise<void>;
}

async function startCountingTarget(): Promise<CountingTarget> {
  const sockets = new Set<net.Socket>();
  const target = { connections: 0, bytes: 0 } as CountingTarget;
  const server = net.createServer((socket) => {
    target.connections += 1;
    sockets.add(socket);
    socket.on('data', (chunk: Buffer) => (target.bytes += chunk.length));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
    socket.end('HELLO\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target.port = (server.address() as net.AddressInfo).port;
  target.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return target;
}

let stack: LocalStack;
let target: CountingTarget;
let g1: GatewayHandle;
let g2: GatewayHandle;
let g1Id: string;
let g2Id: string;
let aliceToken: string;

beforeAll(async () => {
  target = await startCountingTarget();
  stack = await LocalStack.start();
  await stack.startRelay('relay-a');
  [g1, g2] = await Promise.all([
    stack.startGateway('gateway-one', 'relay-a'),
    stack.startGateway('gateway-two', 'relay-a'),
  ]);
  g1Id = (await stack.waitForHealthyGateway('gateway-one')).id;
  g2Id = (await stack.waitForHealthyGateway('gateway-two')).id;
  // A PAM account on G1 whose database address is the counting target.
  await createOrdersDatabase(stack, g1Id, target.port, [
    { name: 'orders-db', username: 'app', password: 'not-used-by-this-test' },
  ]);
  const alice = await createPamMember(stack, 'alice', ['prod/']);
  ({ accessToken: aliceToken } = await stack.api.call(routes.universalAuthLogin, {
    body: { clientId: alice.clientId, clientSecret: alice.clientSecret },
  }));
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  await target?.close();
});

async function routeTo(gatewayId: string): Promise<DialGatewayOptions> {
  const [first] = await gatewayRoutes(stack.api, gatewayId, {
    host: '127.0.0.1',
    port: target.port,
  });
  return first!;
}

describe('a caller certificate opens only the streams it was made for', () => {
  it('a certificate made for the target reaches it through G1 (the control case)', async () => {
    const before = target.connections;
    const socket = await dialGateway(await routeTo(g1Id));
    expect(await readToEnd(socket)).toBe('HELLO\n');
    expect(target.connections).toBe(before + 1);
  });

  it('G1 refuses a PAM session certificate on infisical-tcp-proxy, logs it, and the target sees nothing', async () => {
    // What `burrow pam access prod/orders-db` asks the control plane for, as alice.
    const access = await stack.clientWith(aliceToken).call(routes.accessPamAccount, {
      body: { path: 'prod/orders-db', duration: '5m' },
    });
    const [relayHost, relayPort] = access.relayHost.split(':');
    const before = { connections: target.connections, bytes: target.bytes };
    const from = g1.process.lineCount;
    const socket = await dialGateway({
      relayHost: relayHost as string,
      relayPort: relayPort ? Number(relayPort) : RELAY_TLS_PORT,
      relay: {
        certificate: access.relayClientCertificate,
        privateKey: access.relayClientPrivateKey,
        serverCertificateChain: access.relayServerCertificateChain,
      },
      gateway: {
        certificate: access.gatewayClientCertificate,
        privateKey: access.gatewayClientPrivateKey,
        serverCertificateChain: access.gatewayServerCertificateChain,
      },
      alpn: ALPN.tcpProxy,
      gatewayId: g1Id,
    });
    socket.write('SELECT 1;\n');
    expect(await readToEnd(socket)).toBe('');
    const refusal = await g1.process.waitFor(
      /tcp-proxy refused: the caller certificate was made for a PAM session/,
      30_000,
      from,
    );
    expect(refusal).toContain(access.sessionId);
    expect(target).toMatchObject(before);
  });

  it('G2 refuses a certificate made for G1, logs both gateway IDs, and the target sees nothing', async () => {
    const forG1 = await routeTo(g1Id);
    // The relay routes this stream to G2 (its relay certificate names G2) and the caller pins
    // G2's server certificate; only the inner client certificate is G1's.
    const mixed: DialGatewayOptions = { ...(await routeTo(g2Id)), gateway: forG1.gateway };
    const before = { connections: target.connections, bytes: target.bytes };
    const from = g2.process.lineCount;
    const fromG1 = g1.process.lineCount;
    const socket = await dialGateway({ ...mixed, gatewayId: g2Id });
    socket.write('hello?\n');
    expect(await readToEnd(socket)).toBe('');
    const refusal = await g2.process.waitFor(
      /the caller certificate was made for another gateway/,
      30_000,
      from,
    );
    expect(refusal).toContain(g2Id);
    expect(refusal).toContain(g1Id);
    expect(target).toMatchObject(before);
    // G1 never saw the stream.
    expect(g1.process.linesSince(fromG1).join('\n')).not.toContain('caller certificate refused');
  });
});
