/**
 * SSH public keys, fingerprints and OpenSSH private key files — our encoder and decoder against
 * each other and against ssh-keygen.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CertificateError } from '../src/certificate-error.ts';
import {
  decodeOpenSshPrivateKey,
  decodeSshPublicKey,
  encodeOpenSshPrivateKey,
  encodeSshPublicKey,
  formatSshPublicKeyLine,
  generateSshKeyPair,
  parseSshPublicKeyLine,
  signSshData,
  sshFingerprint,
  verifySshSignature,
  type SshKeyPair,
  type SshKeyType,
} from '../src/ssh/index.ts';
import { SshWireWriter } from '../src/ssh/ssh-wire.ts';
import { makeTempDir, removeTempDir, run, runOk, writePrivateFile } from './support/ssh-tools.ts';

const TYPES: readonly SshKeyType[] = ['ed25519', 'ecdsa-p256', 'rsa-2048'];
const ALGORITHMS: Record<SshKeyType, string> = {
  ed25519: 'ssh-ed25519',
  'ecdsa-p256': 'ecdsa-sha2-nistp256',
  'rsa-2048': 'ssh-rsa',
};

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof CertificateError) return e.code;
    throw e;
  }
  throw new Error('expected a CertificateError');
}

let dir: string;
const pairs = new Map<SshKeyType, SshKeyPair>();

beforeAll(() => {
  dir = makeTempDir('ssh-keys');
  for (const t of TYPES) pairs.set(t, generateSshKeyPair(t));
});

afterAll(() => removeTempDir(dir));

describe('public keys', () => {
  it.each(TYPES)('%s: blob and line round-trip', (t) => {
    const pair = pairs.get(t) as SshKeyPair;
    expect(pair.algorithm).toBe(ALGORITHMS[t]);
    const decoded = decodeSshPublicKey(pair.publicKeyBlob);
    expect(decoded.algorithm).toBe(ALGORITHMS[t]);
    expect(decoded.blob).toEqual(pair.publicKeyBlob);
    expect(encodeSshPublicKey(decoded.key)).toEqual(pair.publicKeyBlob);
    expect(encodeSshPublicKey(pair.privateKey)).toEqual(pair.publicKeyBlob);

    const line = formatSshPublicKeyLine(pair.publicKeyBlob, 'gw 1@example');
    expect(line.startsWith(`${ALGORITHMS[t]} `)).toBe(true);
    const parsed = parseSshPublicKeyLine(`  ${line}\n`);
    expect(parsed.blob).toEqual(pair.publicKeyBlob);
    expect(parsed.comment).toBe('gw 1@example');
    expect(parseSshPublicKeyLine(formatSshPublicKeyLine(pair.publicKey)).comment).toBe('');
  });

  it('refuses damaged lines and blobs with typed errors', () => {
    const pair = pairs.get('ed25519') as SshKeyPair;
    const line = formatSshPublicKeyLine(pair.publicKeyBlob);
    expect(codeOf(() => parseSshPublicKeyLine(line.replace('ssh-ed25519', 'ssh-rsa')))).toBe(
      'MALFORMED',
    );
    expect(codeOf(() => parseSshPublicKeyLine(`${line.slice(0, -2)}!=`))).toBe('MALFORMED');
    expect(codeOf(() => parseSshPublicKeyLine('ssh-ed25519'))).toBe('MALFORMED');
    expect(codeOf(() => parseSshPublicKeyLine(`${line}\n${line}`))).toBe('MALFORMED');
    expect(
      codeOf(() => decodeSshPublicKey(Buffer.concat([pair.publicKeyBlob, Buffer.of(0)]))),
    ).toBe('MALFORMED');
    expect(codeOf(() => decodeSshPublicKey(pair.publicKeyBlob.subarray(0, 40)))).toBe('MALFORMED');
    const dss = new SshWireWriter().writeString('ssh-dss').writeString('x').toBuffer();
    expect(codeOf(() => decodeSshPublicKey(dss))).toBe('UNSUPPORTED_ALGORITHM');
    // A point that is not on P-256.
    const offCurve = new SshWireWriter()
      .writeString('ecdsa-sha2-nistp256')
      .writeString('nistp256')
      .writeString(Buffer.concat([Buffer.of(4), Buffer.alloc(64, 1)]))
      .toBuffer();
    expect(codeOf(() => decodeSshPublicKey(offCurve))).toBe('MALFORMED');
    // RSA-512 is below OpenSSH's minimum.
    const small = new SshWireWriter()
      .writeString('ssh-rsa')
      .writeMpint(Buffer.of(1, 0, 1))
      .writeMpint(Buffer.alloc(64, 0xff))
      .toBuffer();
    expect(codeOf(() => decodeSshPublicKey(small))).toBe('UNSUPPORTED_ALGORITHM');
  });

  it.each(TYPES)('%s: fingerprint equals ssh-keygen -l', async (t) => {
    const pair = pairs.get(t) as SshKeyPair;
    const file = join(dir, `fp-${t}.pub`);
    writePrivateFile(file, `${formatSshPublicKeyLine(pair.publicKeyBlob, 'c')}\n`);
    const out = await runOk('ssh-keygen', ['-l', '-E', 'sha256', '-f', file]);
    expect(out.split(' ')[1]).toBe(sshFingerprint(pair.publicKeyBlob));
    expect(sshFingerprint(pair.publicKey)).toBe(sshFingerprint(pair.publicKeyBlob));
  });
});

describe('OpenSSH private key files', () => {
  it.each(TYPES)('%s: round-trips through our encoder and decoder', (t) => {
    const pair = pairs.get(t) as SshKeyPair;
    const pem = encodeOpenSshPrivateKey(pair.privateKey, 'relay@burrow');
    expect(pem.startsWith('-----BEGIN OPENSSH PRIVATE KEY-----\n')).toBe(true);
    expect(pem.endsWith('-----END OPENSSH PRIVATE KEY-----\n')).toBe(true);
    const decoded = decodeOpenSshPrivateKey(pem);
    expect(decoded.algorithm).toBe(ALGORITHMS[t]);
    expect(decoded.comment).toBe('relay@burrow');
    expect(decoded.publicKeyBlob).toEqual(pair.publicKeyBlob);
    const data = Buffer.from('probe');
    verifySshSignature(pair.publicKeyBlob, data, signSshData(decoded.privateKey, data));
  });

  it.each(TYPES)('%s: ssh-keygen -y derives the same public key from our file', async (t) => {
    const pair = pairs.get(t) as SshKeyPair;
    const file = join(dir, `ours-${t}`);
    writePrivateFile(file, encodeOpenSshPrivateKey(pair.privateKey, 'ours'));
    const out = await runOk('ssh-keygen', ['-y', '-f', file]);
    expect(parseSshPublicKeyLine(out).blob).toEqual(pair.publicKeyBlob);
  });

  it.each([
    ['ed25519', []],
    ['ecdsa', []],
    ['ecdsa', ['-b', '384']],
    ['ecdsa', ['-b', '521']],
    ['rsa', []],
  ] as const)('reads `ssh-keygen -t %s %s -N ""` keys', async (t, extra) => {
    const file = join(dir, `keygen-${t}-${extra.join('')}`);
    await runOk('ssh-keygen', [
      '-q',
      '-t',
      t,
      ...extra,
      '-N',
      '',
      '-C',
      'made by ssh-keygen',
      '-f',
      file,
    ]);
    const decoded = decodeOpenSshPrivateKey(readFileSync(file, 'utf8'));
    const pub = parseSshPublicKeyLine(readFileSync(`${file}.pub`, 'utf8'));
    expect(decoded.publicKeyBlob).toEqual(pub.blob);
    expect(decoded.algorithm).toBe(pub.algorithm);
    expect(decoded.comment).toBe('made by ssh-keygen');
    // The private key works: it signs what its public key verifies (decode probes this too).
    const data = Buffer.from('hello');
    verifySshSignature(pub.blob, data, signSshData(decoded.privateKey, data));
    // And we write it back in a form ssh-keygen reads to the same public key.
    const again = join(dir, `again-${t}-${extra.join('')}`);
    writePrivateFile(again, encodeOpenSshPrivateKey(decoded.privateKey));
    expect(parseSshPublicKeyLine(await runOk('ssh-keygen', ['-y', '-f', again])).blob).toEqual(
      pub.blob,
    );
  });

  it('refuses encrypted keys, damaged files and mismatched halves', async () => {
    const file = join(dir, 'encrypted');
    await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-a', '1', '-N', 'secret', '-f', file]);
    expect(codeOf(() => decodeOpenSshPrivateKey(readFileSync(file, 'utf8')))).toBe(
      'UNSUPPORTED_ALGORITHM',
    );
    expect(codeOf(() => decodeOpenSshPrivateKey('not a key'))).toBe('MALFORMED');

    const a = pairs.get('ed25519') as SshKeyPair;
    const b = generateSshKeyPair('ed25519');
    const body = (pem: string): Buffer =>
      Buffer.from(pem.split('\n').slice(1, -2).join(''), 'base64');
    const wrap = (blob: Buffer): string =>
      `-----BEGIN OPENSSH PRIVATE KEY-----\n${blob.toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`;
    const original = body(encodeOpenSshPrivateKey(a.privateKey));
    // Swap in another key's public blob: the halves no longer belong together.
    const spliced = Buffer.from(original);
    const pubAt = original.indexOf(a.publicKeyBlob);
    b.publicKeyBlob.copy(spliced, pubAt);
    expect(codeOf(() => decodeOpenSshPrivateKey(wrap(spliced)))).toBe('MALFORMED');
    // Every truncation is a typed error.
    for (let n = 0; n < original.length; n++) {
      expect(codeOf(() => decodeOpenSshPrivateKey(wrap(original.subarray(0, n))))).toBe(
        'MALFORMED',
      );
    }
    // And ssh-keygen agrees our untouched encoding is fine.
    const ok = join(dir, 'ok');
    writePrivateFile(ok, wrap(original));
    expect((await run('ssh-keygen', ['-y', '-f', ok])).code).toBe(0);
  });
});
