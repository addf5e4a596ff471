/**
 * The relay refuses every gateway login that is not a valid user certificate of its CA, for its
 * name, for the SSH user, with a proof of possession — and says why.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import ssh2 from 'ssh2';
import {
  connectToRelay,
  createUserCertificateKey,
  loadSshPrivateKey,
  RELAY_MAX_AUTH_ATTEMPTS,
  RelayConnectError,
  singleAttemptAuthHandler,
  type RelayAuthFailure,
} from '../src/index.ts';
import { makeKey, tamperCertLine } from './support/pki-fixtures.ts';
import { GATEWAY_ID, startRelay, type RelayFixture } from './support/relay-fixture.ts';
import { once, withTimeout } from './support/wait.ts';
import { parseSshCertificate } from '@burrow/pki';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function relay(): Promise<RelayFixture> {
  const fixture = await startRelay();
  cleanups.push(() => fixture.server.close());
  return fixture;
}

async function expectRefused(
  fixture: RelayFixture,
  overrides: Parameters<RelayFixture['gatewayOptions']>[0],
): Promise<RelayAuthFailure> {
  const error = await connectToRelay(fixture.gatewayOptions(overrides)).then(
    (connection) => {
      connection.close();
      throw new Error('login unexpectedly accepted');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RelayConnectError);
  expect((error as RelayConnectError).code).toBe('AUTH_REFUSED');
  // Exactly one attempt: the gateway gives up after a refusal instead of retrying its key.
  expect(fixture.failures).toHaveLength(1);
  return fixture.failures[0] as RelayAuthFailure;
}

/** Logs in with a stock ssh2 client configuration (authHandler list), returns its error. */
function ssh2Login(port: number, config: Record<string, unknown>): Promise<Error> {
  return withTimeout(
    new Promise<Error>((resolve) => {
      const client = new ssh2.Client();
      client.on('ready', () => {
        client.end();
        resolve(new Error('login unexpectedly accepted'));
      });
      client.on('error', (error) => {
        client.destroy();
        resolve(error);
      });
      client.on('close', () => resolve(new Error('connection closed')));
      client.connect({
        host: '127.0.0.1',
        port,
        username: GATEWAY_ID,
        hostVerifier: () => true,
        algorithms: { serverHostKey: ['ssh-ed25519-cert-v01@openssh.com'] as never },
        ...config,
      });
    }),
    10_000,
    'ssh2 login result',
  );
}

describe('relay refuses gateway logins', () => {
  it('refuses a plain key: certificates required', async () => {
    const fixture = await relay();
    const key = makeKey('ed25519');
    const error = await ssh2Login(fixture.port, { privateKey: key.privateKey });
    expect(error.message).toMatch(/authentication methods failed/);
    expect(fixture.failures[0]).toMatchObject({
      code: 'CERTIFICATE_REQUIRED',
      reason: expect.stringContaining('certificates required'),
      username: GATEWAY_ID,
      remoteAddress: '127.0.0.1',
    });
  });

  it('refuses a password: certificates required', async () => {
    const fixture = await relay();
    await ssh2Login(fixture.port, { password: 'hunter2' });
    expect(fixture.failures[0]?.code).toBe('CERTIFICATE_REQUIRED');
  });

  it('refuses a certificate from another CA', async () => {
    const fixture = await relay();
    const { key, certificate } = fixture.gatewayCredentials('ed25519', {}, makeKey('ed25519'));
    const failure = await expectRefused(fixture, { privateKey: key.privateKey, certificate });
    expect(failure).toMatchObject({ code: 'WRONG_CA', username: GATEWAY_ID });
  });

  it('refuses an expired certificate', async () => {
    const fixture = await relay();
    const { key, certificate } = fixture.gatewayCredentials('ed25519', {
      validFromSeconds: -7200,
      validToSeconds: -3600,
    });
    const failure = await expectRefused(fixture, { privateKey: key.privateKey, certificate });
    expect(failure.code).toBe('EXPIRED');
  });

  it('refuses a certificate that is not yet valid', async () => {
    const fixture = await relay();
    const { key, certificate } = fixture.gatewayCredentials('ed25519', {
      validFromSeconds: 3600,
      validToSeconds: 7200,
    });
    const failure = await expectRefused(fixture, { privateKey: key.privateKey, certificate });
    expect(failure.code).toBe('NOT_YET_VALID');
  });

  it('refuses a certificate for another relay (key ID client-otherrelay)', async () => {
    const fixture = await relay();
    const { key, certificate } = fixture.gatewayCredentials('ed25519', {
      keyId: 'client-otherrelay',
    });
    const failure = await expectRefused(fixture, { privateKey: key.privateKey, certificate });
    expect(failure.code).toBe('WRONG_KEY_ID');
    expect(failure.reason).toContain('client-otherrelay');
  });

  it('refuses an SSH user that is not principal #0', async () => {
    const fixture = await relay();
    const failure = await expectRefused(fixture, { username: 'some-other-gateway' });
    expect(failure).toMatchObject({ code: 'WRONG_PRINCIPAL', username: 'some-other-gateway' });
  });

  it('refuses logging in as principal #1 (the gateway name)', async () => {
    const fixture = await relay();
    const failure = await expectRefused(fixture, { username: 'gw-one' });
    expect(failure.code).toBe('WRONG_PRINCIPAL');
  });

  it('refuses a host certificate presented as a user certificate', async () => {
    const fixture = await relay();
    const key = makeKey('ed25519');
    const { issueHostCert } = await import('./support/pki-fixtures.ts');
    const certificate = issueHostCert(fixture.userCa, key, {
      keyId: 'client-relay-1',
      principals: [GATEWAY_ID],
    });
    const error = await ssh2Login(fixture.port, {
      authHandler: singleAttemptAuthHandler(
        GATEWAY_ID,
        createUserCertificateKey(
          loadSshPrivateKey(key.privateKey, 'key'),
          parseSshCertificate(certificate),
        ),
      ),
    });
    expect(error.message).toMatch(/authentication methods failed/);
    expect(fixture.failures[0]?.code).toBe('WRONG_CERT_TYPE');
  });

  it('refuses a tampered certificate (principal rewritten after signing)', async () => {
    const fixture = await relay();
    const { key, certificate } = fixture.gatewayCredentials('ed25519', {
      principals: ['gateway-aaaa'],
    });
    const forged = tamperCertLine(certificate, 'gateway-aaaa', 'gateway-bbbb');
    const failure = await expectRefused(fixture, {
      username: 'gateway-bbbb',
      privateKey: key.privateKey,
      certificate: forged,
    });
    expect(failure.code).toBe('BAD_SIGNATURE');
  });

  it.each(['ed25519', 'ecdsa-p256', 'rsa-2048'] as const)(
    'refuses a valid %s certificate presented without its private key (proof of possession)',
    async (keyType) => {
      const fixture = await relay();
      const { certificate } = fixture.gatewayCredentials(keyType);
      const thief = loadSshPrivateKey(makeKey(keyType).privateKey, 'thief');
      const error = await ssh2Login(fixture.port, {
        authHandler: singleAttemptAuthHandler(
          GATEWAY_ID,
          createUserCertificateKey(thief, parseSshCertificate(certificate)),
        ),
      });
      expect(error.message).toMatch(/authentication methods failed/);
      expect(fixture.failures).toHaveLength(1);
      expect(fixture.failures[0]?.code).toBe('PROOF_OF_POSSESSION_FAILED');
    },
  );

  it(`disconnects after ${RELAY_MAX_AUTH_ATTEMPTS} refused attempts`, async () => {
    const fixture = await relay();
    const keys = [1, 2, 3, 4].map(() => ({
      type: 'publickey',
      username: GATEWAY_ID,
      key: makeKey('ed25519').privateKey,
    }));
    await ssh2Login(fixture.port, { authHandler: keys });
    const codes = fixture.failures.map((f) => f.code);
    expect(codes).toEqual([
      ...Array(RELAY_MAX_AUTH_ATTEMPTS).fill('CERTIFICATE_REQUIRED'),
      'TOO_MANY_ATTEMPTS',
    ]);
  });

  it('drops a connection that does not log in within the handshake deadline', async () => {
    const fixture = await startRelay({ server: { handshakeTimeoutMs: 300 } });
    cleanups.push(() => fixture.server.close());
    const { connect } = await import('node:net');
    const socket = connect(fixture.port, '127.0.0.1');
    socket.on('data', () => {}); // read the server's version line, send nothing
    const started = Date.now();
    await once(socket, 'close', 5_000);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(fixture.failures[0]).toMatchObject({ code: 'HANDSHAKE_TIMEOUT', username: undefined });
  });
});
