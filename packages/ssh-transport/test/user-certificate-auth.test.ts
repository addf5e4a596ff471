/**
 * The relay's check of a publickey login, driven directly: both signature framings that reach an
 * ssh2 server, for each key type, and the algorithm consistency rules.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { parseSshCertificate, parseSshSignature, signSshData, type SshKeyType } from '@burrow/pki';
import type { PublicKeyAuthContext } from 'ssh2';
import { UserCertificateRefusal, verifyGatewayLogin } from '../src/index.ts';
import { issueUserCert, makeKey } from './support/pki-fixtures.ts';

const RELAY = 'relay-1';
const GATEWAY = 'gw-id';

function login(keyType: SshKeyType, algorithmFor: (certAlgorithm: string) => string) {
  const ca = makeKey('ed25519');
  const key = makeKey(keyType);
  const cert = parseSshCertificate(
    issueUserCert(ca, key, { keyId: `client-${RELAY}`, principals: [GATEWAY, 'gw-name'] }),
  );
  const blob = randomBytes(64); // stands in for session id + request
  const context = (signature: Buffer | undefined, algo = algorithmFor(cert.algorithm)) =>
    ({
      method: 'publickey',
      username: GATEWAY,
      key: { algo, data: cert.blob },
      signature,
      blob: signature === undefined ? undefined : blob,
    }) as unknown as PublicKeyAuthContext;
  const policy = { trustedCaKeyBlob: ca.pair.publicKeyBlob, relayName: RELAY };
  return { key, cert, blob, context, policy };
}

const rsa512 = (a: string) => (a.startsWith('ssh-rsa') ? 'rsa-sha2-512-cert-v01@openssh.com' : a);

function refusalCode(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof UserCertificateRefusal) return error.code;
    throw error;
  }
}

describe('verifyGatewayLogin', () => {
  it.each(['ed25519', 'ecdsa-p256', 'rsa-2048'] as const)(
    'accepts a %s proof of possession wrapped (OpenSSH, Go) and raw (stock ssh2 client)',
    (keyType) => {
      const { key, blob, context, policy } = login(keyType, rsa512);
      const wrapped = signSshData(key.pair.privateKey, blob, { rsaAlgorithm: 'rsa-sha2-512' });
      const raw = parseSshSignature(wrapped).signature;
      for (const signature of [wrapped, raw]) {
        const identity = verifyGatewayLogin(context(signature), policy);
        expect(identity).toMatchObject({ gatewayId: GATEWAY, gatewayName: 'gw-name' });
      }
    },
  );

  it('accepts a query (no signature) when the certificate is valid', () => {
    const { context, policy } = login('ed25519', rsa512);
    expect(verifyGatewayLogin(context(undefined), policy).gatewayId).toBe(GATEWAY);
  });

  it('accepts rsa-sha2-256-cert-v01 with an rsa-sha2-256 signature', () => {
    const { key, blob, context, policy } = login(
      'rsa-2048',
      () => 'rsa-sha2-256-cert-v01@openssh.com',
    );
    const wrapped = signSshData(key.pair.privateKey, blob, { rsaAlgorithm: 'rsa-sha2-256' });
    expect(verifyGatewayLogin(context(wrapped), policy).gatewayId).toBe(GATEWAY);
    const raw = parseSshSignature(wrapped).signature;
    expect(verifyGatewayLogin(context(raw), policy).gatewayId).toBe(GATEWAY);
  });

  it('refuses a signature algorithm other than the one the certificate algorithm names', () => {
    const { key, blob, context, policy } = login('rsa-2048', rsa512);
    const sha256 = signSshData(key.pair.privateKey, blob, { rsaAlgorithm: 'rsa-sha2-256' });
    expect(refusalCode(() => verifyGatewayLogin(context(sha256), policy))).toBe(
      'PROOF_OF_POSSESSION_FAILED',
    );
  });

  it('refuses SHA-1 ssh-rsa-cert-v01@openssh.com', () => {
    const { key, blob, context, policy } = login('rsa-2048', (a) => a);
    const wrapped = signSshData(key.pair.privateKey, blob);
    expect(refusalCode(() => verifyGatewayLogin(context(wrapped), policy))).toBe(
      'UNSUPPORTED_ALGORITHM',
    );
  });

  it('refuses a certificate offered under another certificate algorithm', () => {
    const { context, policy } = login('ed25519', () => 'ecdsa-sha2-nistp256-cert-v01@openssh.com');
    expect(refusalCode(() => verifyGatewayLogin(context(undefined), policy))).toBe('MALFORMED');
  });

  it('refuses a signature over other data', () => {
    const { key, context, policy } = login('ed25519', rsa512);
    const wrong = signSshData(key.pair.privateKey, randomBytes(64));
    expect(refusalCode(() => verifyGatewayLogin(context(wrong), policy))).toBe(
      'PROOF_OF_POSSESSION_FAILED',
    );
  });

  it('refuses garbage where the certificate should be', () => {
    const { policy } = login('ed25519', rsa512);
    const ctx = {
      method: 'publickey',
      username: GATEWAY,
      key: { algo: 'ssh-ed25519-cert-v01@openssh.com', data: randomBytes(40) },
    } as unknown as PublicKeyAuthContext;
    expect(refusalCode(() => verifyGatewayLogin(ctx, policy))).toBe('MALFORMED');
  });
});
