/**
 * Credentials rotation, shutdown, configuration errors, and what a gateway may not do.
 */
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from '@jest/globals';
import { parseSshCertificate } from '@burrow/pki';
import ssh2 from 'ssh2';
import {
  connectToRelay,
  createRelaySshServer,
  createUserCertificateKey,
  HOST_CERTIFICATE_ALGORITHMS,
  loadSshPrivateKey,
  RelayConnectError,
  singleAttemptAuthHandler,
  sshAlgorithms,
  type GatewaySshSession,
  type RelaySshServerOptions,
} from '../src/index.ts';
import { issueHostCert, issueUserCert, makeKey } from './support/pki-fixtures.ts';
import { GATEWAY_ID, startRelay, type RelayFixture } from './support/relay-fixture.ts';
import { once, withTimeout } from './support/wait.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function relay(): Promise<RelayFixture> {
  const fixture = await startRelay();
  cleanups.push(() => fixture.server.close());
  return fixture;
}

async function echoThrough(session: GatewaySshSession, text: string): Promise<string> {
  const channel = await withTimeout(session.openChannel(), 5_000, 'channel open');
  const echoed = new Promise<string>((resolve) => {
    let received = '';
    channel.on('data', (chunk: Buffer) => (received += chunk.toString()));
    channel.on('end', () => resolve(received));
  });
  channel.end(text);
  return withTimeout(echoed, 5_000, 'echo');
}

describe('relay SSH server lifecycle', () => {
  it('updateCredentials applies to new connections only', async () => {
    const fixture = await relay();
    const first = once<GatewaySshSession>(fixture.server, 'gateway', 5_000);
    const oldConnection = await connectToRelay(fixture.gatewayOptions());
    cleanups.push(() => oldConnection.close());
    oldConnection.on('channel', (stream: Duplex) => stream.pipe(stream));
    const oldSession = await first;

    const newUserCa = makeKey('ed25519');
    fixture.server.updateCredentials({ trustedUserCaPublicKey: newUserCa.publicKeyLine });

    // A new login with a certificate of the old CA is refused ...
    const refused = await connectToRelay(fixture.gatewayOptions()).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'AUTH_REFUSED' });
    expect(fixture.failures.at(-1)?.code).toBe('WRONG_CA');
    // ... one with the new CA's is accepted ...
    const { key, certificate } = fixture.gatewayCredentials('ed25519', {}, newUserCa);
    const newConnection = await connectToRelay(
      fixture.gatewayOptions({ privateKey: key.privateKey, certificate }),
    );
    newConnection.close();
    // ... and the connection made before the rotation still works.
    expect(await echoThrough(oldSession, 'still here')).toBe('still here');
  });

  it('close() disconnects every gateway and stops listening', async () => {
    const fixture = await startRelay();
    const sessionPromise = once<GatewaySshSession>(fixture.server, 'gateway', 5_000);
    const connection = await connectToRelay(fixture.gatewayOptions());
    const session = await sessionPromise;
    const gatewayClosed = once(connection, 'close', 5_000);
    const sessionClosed = once(session, 'close', 5_000);
    await withTimeout(fixture.server.close(), 5_000, 'server close');
    await gatewayClosed;
    await sessionClosed;
    const error = await connectToRelay(fixture.gatewayOptions()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayConnectError);
    expect((error as RelayConnectError).code).toBe('NETWORK');
  });

  it('session.close() disconnects the gateway', async () => {
    const fixture = await relay();
    const sessionPromise = once<GatewaySshSession>(fixture.server, 'gateway', 5_000);
    const connection = await connectToRelay(fixture.gatewayOptions());
    const session = await sessionPromise;
    const closed = once(connection, 'close', 5_000);
    session.close();
    await closed;
    expect(connection.closed).toBe(true);
  });

  it('refuses channels and port forwarding requested by the gateway', async () => {
    const fixture = await relay();
    const { key, certificate } = fixture.gatewayCredentials('ed25519');
    const client = new ssh2.Client();
    cleanups.push(() => {
      client.destroy();
    });
    client.on('error', () => {});
    const ready = once(client, 'ready', 5_000);
    client.connect({
      host: '127.0.0.1',
      port: fixture.port,
      username: GATEWAY_ID,
      hostVerifier: () => true,
      algorithms: sshAlgorithms(HOST_CERTIFICATE_ALGORITHMS),
      authHandler: singleAttemptAuthHandler(
        GATEWAY_ID,
        createUserCertificateKey(
          loadSshPrivateKey(key.privateKey, 'key'),
          parseSshCertificate(certificate),
        ),
      ),
    });
    await ready;
    const execError = await withTimeout(
      new Promise<Error | undefined>((resolve) => client.exec('id', (err) => resolve(err))),
      5_000,
      'exec',
    );
    expect(execError?.message).toMatch(/open failure/i);
    const forwardError = await withTimeout(
      new Promise<Error | undefined>((resolve) =>
        client.forwardIn('0.0.0.0', 0, (err) => resolve(err)),
      ),
      5_000,
      'forwardIn',
    );
    expect(forwardError).toBeInstanceOf(Error);
    const tcpipError = await withTimeout(
      new Promise<Error | undefined>((resolve) =>
        client.forwardOut('127.0.0.1', 1, '127.0.0.1', 22, (err) => resolve(err)),
      ),
      5_000,
      'forwardOut',
    );
    expect(tcpipError?.message).toMatch(/open failure/i);
  });
});

describe('configuration errors name the setting', () => {
  const userCa = makeKey('ed25519');
  const hostCa = makeKey('ed25519');
  const hostKey = makeKey('ed25519');
  const good: RelaySshServerOptions = {
    hostPrivateKey: hostKey.privateKey,
    hostCertificate: issueHostCert(hostCa, hostKey, {
      keyId: 'relay-server',
      principals: ['r:2222'],
    }),
    trustedUserCaPublicKey: userCa.publicKeyLine,
    relayName: 'relay-1',
  };

  it.each([
    ['hostPrivateKey', { hostPrivateKey: 'not a key' }, /^hostPrivateKey: /],
    [
      'hostCertificate (another key)',
      { hostCertificate: issueHostCert(hostCa, makeKey(), { keyId: 'x', principals: ['r:2222'] }) },
      /^hostCertificate: certifies a different key/,
    ],
    [
      'hostCertificate (user)',
      { hostCertificate: issueUserCert(hostCa, hostKey, { keyId: 'x', principals: ['r:2222'] }) },
      /^hostCertificate: is a user certificate/,
    ],
    [
      'hostCertificate (expired)',
      {
        hostCertificate: issueHostCert(hostCa, hostKey, {
          keyId: 'x',
          principals: ['r:2222'],
          validFromSeconds: -100,
          validToSeconds: -10,
        }),
      },
      /^hostCertificate: expired/,
    ],
    [
      'trustedUserCaPublicKey',
      { trustedUserCaPublicKey: 'ssh-ed25519 AAAA' },
      /^trustedUserCaPublicKey: /,
    ],
    ['relayName', { relayName: '' }, /^relayName: /],
    ['keepaliveIntervalMs', { keepaliveIntervalMs: 0 }, /^keepaliveIntervalMs: /],
    ['handshakeTimeoutMs', { handshakeTimeoutMs: -1 }, /^handshakeTimeoutMs: /],
  ] as const)('createRelaySshServer refuses a bad %s', (_name, override, message) => {
    expect(() => createRelaySshServer({ ...good, ...override })).toThrow(message);
  });

  it('accepts an authorized_keys-style cert-authority line for the CA', () => {
    const server = createRelaySshServer({
      ...good,
      trustedUserCaPublicKey: `cert-authority ${userCa.publicKeyLine}`,
    });
    return server.close();
  });

  it('connectToRelay refuses a certificate of another key, before dialling', async () => {
    const key = makeKey();
    const certificate = issueUserCert(userCa, makeKey(), { keyId: 'client-r', principals: ['g'] });
    await expect(
      connectToRelay({
        host: '127.0.0.1',
        port: 1,
        username: 'g',
        privateKey: key.privateKey,
        certificate,
        serverCaPublicKey: hostCa.publicKeyLine,
      }),
    ).rejects.toThrow(/^certificate: certifies a different key than privateKey/);
  });
});
