import { describe, it, expect } from '@jest/globals';
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';

import { CertificateError } from '../src/certificate-error.ts';
import {
  KEY_ALGORITHMS,
  SERIAL_NUMBER_BYTES,
  exportPrivateKeyPem,
  exportPublicKeyPem,
  generateKeyPair,
  importPrivateKeyPem,
  importPublicKeyPem,
  keyAlgorithmOf,
  randomSerialNumber,
} from '../src/x509/index.ts';
import { openssl, withTempDir } from './support/x509-openssl.ts';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof CertificateError) return error.code;
    throw error;
  }
  return undefined;
}

describe('key pairs', () => {
  it.each(KEY_ALGORITHMS)(
    '%s: PKCS#8/SPKI PEM round trip, usable by node:crypto and openssl',
    async (algorithm) => {
      const keyPair = await generateKeyPair(algorithm);
      expect(keyPair.algorithm).toBe(algorithm);
      expect(keyAlgorithmOf(keyPair.publicKey)).toBe(algorithm);

      const privatePem = exportPrivateKeyPem(keyPair);
      const publicPem = exportPublicKeyPem(keyPair);
      expect(privatePem).toMatch(
        /^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/,
      );
      expect(publicPem).toMatch(
        /^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/,
      );

      // node:crypto (what node:tls uses) reads the PEM and the pair signs/verifies.
      const data = Buffer.from('burrow');
      const signature = sign(
        algorithm === 'ed25519' ? null : 'sha256',
        data,
        createPrivateKey(privatePem),
      );
      expect(
        verify(
          algorithm === 'ed25519' ? null : 'sha256',
          data,
          createPublicKey(publicPem),
          signature,
        ),
      ).toBe(true);

      const imported = importPrivateKeyPem(privatePem);
      expect(imported.algorithm).toBe(algorithm);
      expect(exportPrivateKeyPem(imported)).toBe(privatePem);
      expect(exportPublicKeyPem(imported)).toBe(publicPem);
      const importedPublic = importPublicKeyPem(publicPem);
      expect(importedPublic.algorithm).toBe(algorithm);
      expect(exportPublicKeyPem(importedPublic)).toBe(publicPem);

      // openssl derives the same public key from our private key.
      await withTempDir((dir, write) => {
        write('key.pem', privatePem);
        const result = openssl(['pkey', '-in', 'key.pem', '-pubout'], dir);
        expect(result.status).toBe(0);
        expect(result.stdout).toBe(publicPem);
      });
    },
  );

  it('imports legacy PKCS#1 and SEC1 private keys', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pkcs1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const sec1 = ec.privateKey.export({ type: 'sec1', format: 'pem' }).toString();
    expect(pkcs1).toContain('BEGIN RSA PRIVATE KEY');
    expect(importPrivateKeyPem(pkcs1).algorithm).toBe('rsa-2048');
    expect(importPrivateKeyPem(sec1).algorithm).toBe('ecdsa-p256');
  });

  it('refuses garbage, encrypted and unsupported keys with typed errors', () => {
    expect(codeOf(() => importPrivateKeyPem('garbage'))).toBe('MALFORMED');
    expect(
      codeOf(() =>
        importPrivateKeyPem('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'),
      ),
    ).toBe('MALFORMED');
    expect(
      codeOf(() => importPublicKeyPem('-----BEGIN PUBLIC KEY-----\n!!\n-----END PUBLIC KEY-----')),
    ).toBe('MALFORMED');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const encrypted = ec.privateKey
      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' })
      .toString();
    expect(codeOf(() => importPrivateKeyPem(encrypted))).toBe('MALFORMED');

    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    expect(
      codeOf(() =>
        importPrivateKeyPem(p384.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
      ),
    ).toBe('UNSUPPORTED_ALGORITHM');
    const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(
      codeOf(() =>
        importPublicKeyPem(rsa1024.publicKey.export({ type: 'spki', format: 'pem' }).toString()),
      ),
    ).toBe('UNSUPPORTED_ALGORITHM');
  });
});

describe('serial numbers', () => {
  it('are 16 random bytes, positive, with a non-zero first byte', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const serial = randomSerialNumber();
      expect(serial).toMatch(/^[0-7][0-9a-f]{31}$/);
      expect(serial.startsWith('00')).toBe(false);
      expect(Buffer.from(serial, 'hex')).toHaveLength(SERIAL_NUMBER_BYTES);
      seen.add(serial);
    }
    expect(seen.size).toBe(200);
  });
});
