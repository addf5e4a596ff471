/**
 * SSH signature helpers. The independent judge is `ssh-keygen -Y` (PROTOCOL.sshsig), whose
 * signature files carry an ordinary SSH signature blob over
 *
 *   byte[6] "SSHSIG", string namespace, string reserved, string hash_algorithm, string H(message)
 *
 * so ssh-keygen's signatures must verify with `verifySshSignature`, and ours (wrapped in an SSHSIG
 * file) must pass `ssh-keygen -Y check-novalidate`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, sign, verify } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CertificateError } from '../src/certificate-error.ts';
import {
  decodeOpenSshPrivateKey,
  ecdsaDerToSshSignature,
  ecdsaSshSignatureToDer,
  generateSshKeyPair,
  parseSshPublicKeyLine,
  parseSshSignature,
  signSshData,
  verifySshSignature,
  type SshKeyPair,
  type SshKeyType,
} from '../src/ssh/index.ts';
import { SshWireReader, SshWireWriter } from '../src/ssh/ssh-wire.ts';
import { flipByte } from './support/ssh-bytes.ts';
import { makeTempDir, removeTempDir, run, runOk } from './support/ssh-tools.ts';

const TYPES: readonly SshKeyType[] = ['ed25519', 'ecdsa-p256', 'rsa-2048'];
const NAMESPACE = 'burrow-test';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof CertificateError) return e.code;
    throw e;
  }
  throw new Error('expected a CertificateError');
}

function sshsigSignedData(message: Buffer): Buffer {
  return new SshWireWriter()
    .writeRaw(Buffer.from('SSHSIG'))
    .writeString(NAMESPACE)
    .writeString('')
    .writeString('sha512')
    .writeString(createHash('sha512').update(message).digest())
    .toBuffer();
}

function armor(blob: Buffer): string {
  const b64 = blob.toString('base64').replace(/.{1,76}/g, '$&\n');
  return `-----BEGIN SSH SIGNATURE-----\n${b64}-----END SSH SIGNATURE-----\n`;
}

function unarmor(text: string): { publicKey: Buffer; signature: Buffer } {
  const body = text.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
  const r = new SshWireReader(Buffer.from(body.join(''), 'base64'));
  expect(r.readRaw(6).toString()).toBe('SSHSIG');
  expect(r.readUint32()).toBe(1);
  const publicKey = r.readString();
  expect(r.readUtf8()).toBe(NAMESPACE);
  r.readString();
  expect(r.readUtf8()).toBe('sha512');
  const signature = r.readString();
  r.expectEnd();
  return { publicKey, signature };
}

let dir: string;
const pairs = new Map<SshKeyType, SshKeyPair>();

beforeAll(() => {
  dir = makeTempDir('ssh-signature');
  for (const t of TYPES) pairs.set(t, generateSshKeyPair(t));
});

afterAll(() => removeTempDir(dir));

describe('signSshData / verifySshSignature', () => {
  it.each(TYPES)('%s: wrapped and raw signatures verify; tampering does not', (t) => {
    const pair = pairs.get(t) as SshKeyPair;
    const data = Buffer.from('session-id || userauth request');
    const wrapped = signSshData(pair.privateKey, data);
    verifySshSignature(pair.publicKeyBlob, data, wrapped);

    const { algorithm, signature: raw } = parseSshSignature(wrapped);
    expect(algorithm).toBe(t === 'rsa-2048' ? 'rsa-sha2-512' : pair.algorithm);
    verifySshSignature(pair.publicKeyBlob, data, raw, { rawAlgorithm: 'rsa-sha2-512' });

    expect(
      codeOf(() => verifySshSignature(pair.publicKeyBlob, Buffer.from('other'), wrapped)),
    ).toBe('BAD_SIGNATURE');
    const flipped = flipByte(wrapped, -1);
    expect(codeOf(() => verifySshSignature(pair.publicKeyBlob, data, flipped))).toBe(
      'BAD_SIGNATURE',
    );
    const other = generateSshKeyPair('ed25519');
    expect(codeOf(() => verifySshSignature(other.publicKeyBlob, data, wrapped))).toBe(
      'BAD_SIGNATURE',
    );
  });

  it('rsa: signs rsa-sha2-256 on request, needs the algorithm for raw signatures, refuses SHA-1', () => {
    const pair = pairs.get('rsa-2048') as SshKeyPair;
    const data = Buffer.from('x');
    const sig256 = signSshData(pair.privateKey, data, { rsaAlgorithm: 'rsa-sha2-256' });
    expect(parseSshSignature(sig256).algorithm).toBe('rsa-sha2-256');
    verifySshSignature(pair.publicKeyBlob, data, sig256);
    const raw = parseSshSignature(sig256).signature;
    expect(codeOf(() => verifySshSignature(pair.publicKeyBlob, data, raw))).toBe(
      'UNSUPPORTED_ALGORITHM',
    );
    expect(
      codeOf(() =>
        verifySshSignature(pair.publicKeyBlob, data, raw, { rawAlgorithm: 'rsa-sha2-512' }),
      ),
    ).toBe('BAD_SIGNATURE');
    verifySshSignature(pair.publicKeyBlob, data, raw, { rawAlgorithm: 'rsa-sha2-256' });

    const sha1 = new SshWireWriter()
      .writeString('ssh-rsa')
      .writeString(sign('sha1', data, pair.privateKey))
      .toBuffer();
    expect(codeOf(() => verifySshSignature(pair.publicKeyBlob, data, sha1))).toBe(
      'UNSUPPORTED_ALGORITHM',
    );
  });

  it('refuses a signature whose algorithm does not match the key', () => {
    const ed = pairs.get('ed25519') as SshKeyPair;
    const ec = pairs.get('ecdsa-p256') as SshKeyPair;
    const data = Buffer.from('x');
    const sig = signSshData(ec.privateKey, data);
    expect(codeOf(() => verifySshSignature(ed.publicKeyBlob, data, sig))).toBe('BAD_SIGNATURE');
  });

  it('converts ECDSA signatures between DER and SSH form', () => {
    const pair = pairs.get('ecdsa-p256') as SshKeyPair;
    const data = Buffer.from('payload');
    for (let i = 0; i < 20; i++) {
      const der = sign('sha256', data, pair.privateKey);
      const ssh = ecdsaDerToSshSignature(der);
      expect(ecdsaSshSignatureToDer(ssh)).toEqual(der);
      const wrapped = new SshWireWriter()
        .writeString('ecdsa-sha2-nistp256')
        .writeString(ssh)
        .toBuffer();
      verifySshSignature(pair.publicKeyBlob, data, wrapped);
      verifySshSignature(pair.publicKeyBlob, data, ssh); // raw, as ssh2's server passes it on
      expect(verify('sha256', data, pair.publicKey, ecdsaSshSignatureToDer(ssh))).toBe(true);
    }
    expect(codeOf(() => ecdsaDerToSshSignature(Buffer.from('3003020101', 'hex')))).toBe(
      'MALFORMED',
    );
    expect(codeOf(() => ecdsaDerToSshSignature(Buffer.from('300602010102010100', 'hex')))).toBe(
      'MALFORMED',
    );
    expect(codeOf(() => ecdsaSshSignatureToDer(Buffer.from('00000001', 'hex')))).toBe('MALFORMED');
  });
});

describe('against ssh-keygen -Y (PROTOCOL.sshsig)', () => {
  it.each(['ed25519', 'ecdsa', 'rsa'] as const)(
    '%s: ssh-keygen signatures verify with verifySshSignature',
    async (t) => {
      const key = join(dir, `signer-${t}`);
      await runOk('ssh-keygen', [
        '-q',
        '-t',
        t,
        ...(t === 'rsa' ? ['-b', '2048'] : []),
        '-N',
        '',
        '-f',
        key,
      ]);
      const message = Buffer.from(`message for ${t}`);
      const msgFile = join(dir, `msg-${t}`);
      writeFileSync(msgFile, message);
      await runOk('ssh-keygen', ['-Y', 'sign', '-f', key, '-n', NAMESPACE, msgFile]);
      const { publicKey, signature } = unarmor(readFileSync(`${msgFile}.sig`, 'utf8'));
      expect(publicKey).toEqual(parseSshPublicKeyLine(readFileSync(`${key}.pub`, 'utf8')).blob);
      verifySshSignature(publicKey, sshsigSignedData(message), signature);
      expect(
        codeOf(() =>
          verifySshSignature(publicKey, sshsigSignedData(Buffer.from('forged')), signature),
        ),
      ).toBe('BAD_SIGNATURE');
      // The key ssh-keygen made signs, through our decoder, what ssh-keygen then accepts.
      const ours = decodeOpenSshPrivateKey(readFileSync(key, 'utf8'));
      const ourSig = signSshData(ours.privateKey, sshsigSignedData(message));
      verifySshSignature(publicKey, sshsigSignedData(message), ourSig);
    },
  );

  it.each([
    ['ed25519', undefined],
    ['ecdsa-p256', undefined],
    ['rsa-2048', 'rsa-sha2-512'],
    ['rsa-2048', 'rsa-sha2-256'],
  ] as const)('%s %s: our signatures pass ssh-keygen -Y check-novalidate', async (t, rsa) => {
    const pair = pairs.get(t) as SshKeyPair;
    const message = Buffer.from(`our message ${t}`);
    const sig = signSshData(pair.privateKey, sshsigSignedData(message), {
      ...(rsa === undefined ? {} : { rsaAlgorithm: rsa }),
    });
    const file = new SshWireWriter()
      .writeRaw(Buffer.from('SSHSIG'))
      .writeUint32(1)
      .writeString(pair.publicKeyBlob)
      .writeString(NAMESPACE)
      .writeString('')
      .writeString('sha512')
      .writeString(sig)
      .toBuffer();
    const sigFile = join(dir, `ours-${t}-${rsa ?? ''}.sig`);
    writeFileSync(sigFile, armor(file));
    const ok = await run('ssh-keygen', ['-Y', 'check-novalidate', '-n', NAMESPACE, '-s', sigFile], {
      input: message,
    });
    expect(`${ok.code} ${ok.stdout}${ok.stderr}`).toMatch(/^0 Good "burrow-test" signature/);
    const bad = await run(
      'ssh-keygen',
      ['-Y', 'check-novalidate', '-n', NAMESPACE, '-s', sigFile],
      {
        input: Buffer.from('tampered'),
      },
    );
    expect(bad.code).not.toBe(0);
  });
});
