import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  connectToRelay,
  ssh2NativeCryptoAvailable,
  type GatewaySshSession,
  type RelaySshConnection,
} from '../src/index.ts';
import {
  GATEWAY_ID,
  GATEWAY_NAME,
  startRelay,
  type RelayFixture,
} from './support/relay-fixture.ts';
import { once, withTimeout } from './support/wait.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function relay(options?: Parameters<typeof startRelay>[0]): Promise<RelayFixture> {
  const fixture = await startRelay(options);
  cleanups.push(() => fixture.server.close());
  return fixture;
}

async function gateway(
  fixture: RelayFixture,
  overrides?: Parameters<RelayFixture['gatewayOptions']>[0],
): Promise<RelaySshConnection> {
  const connection = await connectToRelay(fixture.gatewayOptions(overrides));
  cleanups.push(() => connection.close());
  return connection;
}

function readAll(stream: Duplex, ms: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return withTimeout(
    new Promise<Buffer>((resolve, reject) => {
      stream.once('end', () => resolve(Buffer.concat(chunks)));
      stream.once('error', reject);
    }),
    ms,
    'end of stream',
  );
}

describe('relay SSH server + gateway connection', () => {
  it("uses ssh2's native crypto binding", () => {
    expect(ssh2NativeCryptoAvailable()).toBe(true);
  });

  it.each(['ed25519', 'ecdsa-p256', 'rsa-2048'] as const)(
    'logs a gateway in with a %s user certificate and echoes 1 MiB through a relay-opened channel',
    async (keyType) => {
      const fixture = await relay({ hostKeyType: keyType });
      const sessionPromise = once<GatewaySshSession>(fixture.server, 'gateway', 10_000);
      const { key, certificate } = fixture.gatewayCredentials(keyType);
      const connection = await gateway(fixture, { privateKey: key.privateKey, certificate });
      connection.on('channel', (stream: Duplex) => stream.pipe(stream));

      const session = await sessionPromise;
      expect(session.gatewayId).toBe(GATEWAY_ID);
      expect(session.gatewayName).toBe(GATEWAY_NAME);
      expect(session.remoteAddress).toBe('127.0.0.1');
      expect(connection.negotiated).toMatchObject({
        kex: 'curve25519-sha256',
        cs: { cipher: 'aes128-gcm@openssh.com' },
        sc: { cipher: 'aes128-gcm@openssh.com' },
      });
      expect(connection.hostCertificate.keyId).toBe('relay-server');
      expect(fixture.failures).toEqual([]);

      const channel = await withTimeout(session.openChannel(), 5_000, 'channel open');
      const payload = randomBytes(1024 * 1024);
      const echoed = readAll(channel, 20_000);
      channel.end(payload);
      expect((await echoed).equals(payload)).toBe(true);
    },
  );
});
