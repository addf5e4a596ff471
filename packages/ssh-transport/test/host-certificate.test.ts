/**
 * The gateway accepts only a relay whose key exchange carries a valid host certificate of the
 * trusted host CA, for the dialled address, signed over the exchange hash by the certified key —
 * and it refuses before sending any credential.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { parseSshCertificate } from '@burrow/pki';
import ssh2 from 'ssh2';
import {
  connectToRelay,
  hostCertificateKeys,
  loadSshPrivateKey,
  RelayConnectError,
  sshAlgorithms,
} from '../src/index.ts';
import { issueHostCert, issueUserCert, makeKey, type TestKey } from './support/pki-fixtures.ts';
import { startRelay, type RelayFixture } from './support/relay-fixture.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function relay(options?: Parameters<typeof startRelay>[0]): Promise<RelayFixture> {
  const fixture = await startRelay(options);
  cleanups.push(() => fixture.server.close());
  return fixture;
}

async function connectError(
  options: Parameters<typeof connectToRelay>[0],
): Promise<RelayConnectError> {
  const result = await connectToRelay(options).then(
    (connection) => {
      connection.close();
      return new Error('relay unexpectedly accepted');
    },
    (error: unknown) => error,
  );
  expect(result).toBeInstanceOf(RelayConnectError);
  return result as RelayConnectError;
}

/**
 * A bare ssh2 server presenting `certLine` while signing with `signingKey` (which need not be the
 * certified key: the relay server refuses that combination, this one does not). Counts logins.
 */
async function rawCertServer(
  signingKey: TestKey,
  certLine: string,
): Promise<{ port: number; logins: () => number }> {
  const hostKeys = hostCertificateKeys(
    loadSshPrivateKey(signingKey.privateKey, 'signingKey'),
    parseSshCertificate(certLine),
  );
  let logins = 0;
  const server = new ssh2.Server(
    {
      hostKeys: hostKeys.map((key) => ({ key })),
      algorithms: sshAlgorithms(hostKeys.map((key) => key.type)),
    },
    (conn) => {
      conn.on('error', () => {});
      conn.on('authentication', (ctx) => {
        logins += 1;
        ctx.reject();
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as AddressInfo).port, logins: () => logins };
}

describe('gateway verifies the relay host certificate', () => {
  it('accepts a relay whose certificate names <host>:<port> when hostPrincipal is not given', async () => {
    const hostKey = makeKey('ed25519');
    const hostCa = makeKey('ed25519');
    const fixture = await relay();
    // The relay fixture's certificate names relay.test:2222; reach it under that name's rule by
    // issuing a certificate for 127.0.0.1:<port> and rotating the relay's credentials to it.
    fixture.server.updateCredentials({
      hostPrivateKey: hostKey.privateKey,
      hostCertificate: issueHostCert(hostCa, hostKey, {
        keyId: 'relay-server',
        principals: [`127.0.0.1:${fixture.port}`],
      }),
    });
    const options = fixture.gatewayOptions({ serverCaPublicKey: hostCa.publicKeyLine });
    delete options.hostPrincipal;
    const connection = await connectToRelay(options);
    expect(connection.hostCertificate.principals).toEqual([`127.0.0.1:${fixture.port}`]);
    connection.close();
  });

  it('refuses a host certificate from another CA, before sending credentials', async () => {
    const fixture = await relay();
    const error = await connectError(
      fixture.gatewayOptions({ serverCaPublicKey: makeKey('ed25519').publicKeyLine }),
    );
    expect(error.code).toBe('HOST_CERTIFICATE_REFUSED');
    expect(error.certificateCode).toBe('WRONG_CA');
    expect(error.message).toMatch(/relay host certificate refused: .*trusted CA/);
    expect(fixture.failures).toEqual([]);
  });

  it('refuses a host certificate for another address (wrong principal)', async () => {
    const fixture = await relay();
    const error = await connectError(fixture.gatewayOptions({ hostPrincipal: 'relay.test:2223' }));
    expect(error).toMatchObject({
      code: 'HOST_CERTIFICATE_REFUSED',
      certificateCode: 'WRONG_PRINCIPAL',
    });
  });

  it('refuses an expired host certificate', async () => {
    const hostCa = makeKey('ed25519');
    const hostKey = makeKey('ed25519');
    const raw = await rawCertServer(
      hostKey,
      issueHostCert(hostCa, hostKey, {
        keyId: 'relay-server',
        principals: ['relay.test:2222'],
        validFromSeconds: -7200,
        validToSeconds: -60,
      }),
    );
    const fixture = await relay();
    const error = await connectError(
      fixture.gatewayOptions({ port: raw.port, serverCaPublicKey: hostCa.publicKeyLine }),
    );
    expect(error).toMatchObject({ code: 'HOST_CERTIFICATE_REFUSED', certificateCode: 'EXPIRED' });
    expect(raw.logins()).toBe(0);
  });

  it('refuses a user certificate offered as host key', async () => {
    const hostCa = makeKey('ed25519');
    const hostKey = makeKey('ed25519');
    const raw = await rawCertServer(
      hostKey,
      issueUserCert(hostCa, hostKey, { keyId: 'relay-server', principals: ['relay.test:2222'] }),
    );
    const fixture = await relay();
    const error = await connectError(
      fixture.gatewayOptions({ port: raw.port, serverCaPublicKey: hostCa.publicKeyLine }),
    );
    expect(error).toMatchObject({
      code: 'HOST_CERTIFICATE_REFUSED',
      certificateCode: 'WRONG_CERT_TYPE',
    });
    expect(raw.logins()).toBe(0);
  });

  it.each(['ed25519', 'ecdsa-p256', 'rsa-2048'] as const)(
    'refuses a valid %s host certificate when the exchange hash is signed by another key',
    async (keyType) => {
      const hostCa = makeKey('ed25519');
      const certified = makeKey(keyType);
      const impostor = makeKey(keyType);
      const raw = await rawCertServer(
        impostor,
        issueHostCert(hostCa, certified, {
          keyId: 'relay-server',
          principals: ['relay.test:2222'],
        }),
      );
      const fixture = await relay();
      const error = await connectError(
        fixture.gatewayOptions({ port: raw.port, serverCaPublicKey: hostCa.publicKeyLine }),
      );
      expect(error.code).toBe('HANDSHAKE_FAILED');
      expect(error.message).toMatch(/signature verification failed/);
      expect(raw.logins()).toBe(0);
    },
  );

  it('refuses a relay offering only a plain host key', async () => {
    const hostKey = makeKey('ed25519');
    const server = new ssh2.Server({ hostKeys: [hostKey.privateKey] }, (conn) => {
      conn.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const fixture = await relay();
    const error = await connectError(
      fixture.gatewayOptions({ port: (server.address() as AddressInfo).port }),
    );
    expect(error.code).toBe('HANDSHAKE_FAILED');
    expect(error.message).toMatch(/no matching host key format/);
  });
});
