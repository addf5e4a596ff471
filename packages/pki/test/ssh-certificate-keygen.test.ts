/**
 * ssh-keygen as the judge of our certificates, both ways:
 *   - `ssh-keygen -L` (which re-verifies the CA signature while parsing) accepts what we sign and
 *     shows our fields;
 *   - what `ssh-keygen -s` signs, we parse and verify — and refuse when tampered, expired, not yet
 *     valid or signed by another CA.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CertificateError } from '../src/certificate-error.ts';
import {
  encodeOpenSshPrivateKey,
  formatSshCertificateLine,
  formatSshPublicKeyLine,
  generateSshKeyPair,
  parseSshCertificate,
  parseSshPublicKeyLine,
  signSshCertificate,
  sshFingerprint,
  verifySshCertificate,
  type SshCertificate,
  type SshKeyPair,
  type SshKeyType,
} from '../src/ssh/index.ts';
import { flipByte } from './support/ssh-bytes.ts';
import { makeTempDir, removeTempDir, run, runOk, writePrivateFile } from './support/ssh-tools.ts';

const TYPES: readonly SshKeyType[] = ['ed25519', 'ecdsa-p256', 'rsa-2048'];
const KEYGEN_TYPES = ['ed25519', 'ecdsa', 'rsa'] as const;
type KeygenType = (typeof KEYGEN_TYPES)[number];

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof CertificateError) return e.code;
    throw e;
  }
  throw new Error('expected a CertificateError');
}

/** `2030-06-01T12:00:00` — ssh-keygen -L's format for validity times (TZ=UTC is set by run()). */
function keygenTime(seconds: bigint): string {
  return new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
}

let dir: string;
const ours = new Map<SshKeyType, SshKeyPair>();

beforeAll(() => {
  dir = makeTempDir('ssh-cert-keygen');
  for (const t of TYPES) ours.set(t, generateSshKeyPair(t));
});

afterAll(() => removeTempDir(dir));

async function keygenList(cert: SshCertificate, name: string): Promise<string> {
  const file = join(dir, `${name}-cert.pub`);
  writeFileSync(file, `${formatSshCertificateLine(cert)}\n`);
  return runOk('ssh-keygen', ['-L', '-f', file]);
}

describe('ssh-keygen -L accepts every certificate we sign', () => {
  const combos = TYPES.flatMap((c) => TYPES.map((s) => [c, s] as const));

  it.each(combos)('CA %s signs a user certificate for a %s key', async (caType, subjectType) => {
    const ca = ours.get(caType) as SshKeyPair;
    const subject = ours.get(subjectType) as SshKeyPair;
    const validAfter = new Date('2030-06-01T12:00:00Z');
    const cert = signSshCertificate({
      caPrivateKey: ca.privateKey,
      publicKey: subject.publicKeyBlob,
      type: 'user',
      keyId: `client-relay-${caType}`,
      serial: 123_456_789_012n,
      principals: ['gateway-id', 'gateway-name'],
      validAfter,
      validBefore: new Date(validAfter.getTime() + 86_400_000),
    });
    const out = await keygenList(cert, `user-${caType}-${subjectType}`);
    expect(out).toContain(`Type: ${subject.algorithm}-cert-v01@openssh.com user certificate`);
    expect(out).toContain(`Key ID: "client-relay-${caType}"`);
    expect(out).toContain('Serial: 123456789012');
    expect(out).toContain('Valid: from 2030-06-01T12:00:00 to 2030-06-02T12:00:00');
    expect(out).toMatch(/Principals: \n\s+gateway-id\n\s+gateway-name\n/);
    expect(out).toContain('Critical Options: (none)');
    expect(out).toMatch(
      /Extensions: \n\s+permit-X11-forwarding\n\s+permit-agent-forwarding\n\s+permit-port-forwarding\n\s+permit-pty\n\s+permit-user-rc/,
    );
    expect(out).toContain(`${sshFingerprint(subject.publicKeyBlob)}`);
    const using = caType === 'rsa-2048' ? 'rsa-sha2-512' : ca.algorithm;
    expect(out).toContain(`${sshFingerprint(ca.publicKeyBlob)} (using ${using})`);
  });

  it.each(TYPES)('host certificate for a %s key, signed with rsa-sha2-256', async (t) => {
    const ca = ours.get('rsa-2048') as SshKeyPair;
    const subject = ours.get(t) as SshKeyPair;
    const cert = signSshCertificate({
      caPrivateKey: ca.privateKey,
      publicKey: subject.publicKey,
      type: 'host',
      keyId: 'relay-server',
      serial: 0,
      principals: ['relay.example.com:2222'],
      validAfter: 1_900_000_000n,
      validBefore: 1_900_086_400n,
      rsaSignatureAlgorithm: 'rsa-sha2-256',
    });
    const out = await keygenList(cert, `host-${t}`);
    expect(out).toContain(`Type: ${subject.algorithm}-cert-v01@openssh.com host certificate`);
    expect(out).toContain('(using rsa-sha2-256)');
    expect(out).toContain(
      `Valid: from ${keygenTime(1_900_000_000n)} to ${keygenTime(1_900_086_400n)}`,
    );
    expect(out).toMatch(/Principals: \n\s+relay\.example\.com:2222\n/);
    expect(out).toContain('Extensions: (none)');
  });

  it('critical options and custom extensions are read back by ssh-keygen', async () => {
    const ca = ours.get('ed25519') as SshKeyPair;
    const cert = signSshCertificate({
      caPrivateKey: ca.privateKey,
      publicKey: (ours.get('ecdsa-p256') as SshKeyPair).publicKeyBlob,
      type: 'user',
      keyId: 'opts',
      serial: 1,
      principals: ['root'],
      validAfter: new Date(),
      validBefore: new Date(Date.now() + 60_000),
      criticalOptions: { 'force-command': '/bin/true', 'source-address': '127.0.0.1/32' },
      extensions: { 'permit-pty': '', 'burrow@example.com': 'value' },
    });
    const out = await keygenList(cert, 'opts');
    expect(out).toMatch(/force-command \/bin\/true\n\s+source-address 127\.0\.0\.1\/32/);
    expect(out).toMatch(/burrow@example\.com UNKNOWN OPTION[^\n]*\n\s+permit-pty/);
  });

  it('ssh-keygen -L refuses a certificate whose signature we break (the check is real)', async () => {
    const ca = ours.get('ed25519') as SshKeyPair;
    const cert = signSshCertificate({
      caPrivateKey: ca.privateKey,
      publicKey: ca.publicKeyBlob,
      type: 'user',
      keyId: 'k',
      serial: 1,
      principals: ['root'],
      validAfter: new Date(),
      validBefore: new Date(Date.now() + 60_000),
    });
    const broken = flipByte(cert.blob, -1);
    const file = join(dir, 'broken-cert.pub');
    writeFileSync(file, `${cert.algorithm} ${broken.toString('base64')}\n`);
    expect((await run('ssh-keygen', ['-L', '-f', file])).code).not.toBe(0);
  });
});

describe('we verify what ssh-keygen -s signs', () => {
  const cas = new Map<KeygenType, { file: string; blob: Buffer }>();
  let otherCa: Buffer;
  let subjectPub: string;

  beforeAll(async () => {
    for (const t of KEYGEN_TYPES) {
      const file = join(dir, `keygen-ca-${t}`);
      await runOk('ssh-keygen', [
        '-q',
        '-t',
        t,
        ...(t === 'rsa' ? ['-b', '2048'] : []),
        '-N',
        '',
        '-f',
        file,
      ]);
      cas.set(t, { file, blob: parseSshPublicKeyLine(readFileSync(`${file}.pub`, 'utf8')).blob });
    }
    // The "other CA" is one of ours, written as an OpenSSH key file ssh-keygen signs with.
    const other = ours.get('ed25519') as SshKeyPair;
    otherCa = other.publicKeyBlob;
    writePrivateFile(join(dir, 'other-ca'), encodeOpenSshPrivateKey(other.privateKey, 'other'));
    subjectPub = join(dir, 'subject.pub');
    writeFileSync(
      subjectPub,
      `${formatSshPublicKeyLine((ours.get('ecdsa-p256') as SshKeyPair).publicKeyBlob)}\n`,
    );
  });

  async function keygenSign(
    caFile: string,
    name: string,
    extra: readonly string[],
  ): Promise<string> {
    const pub = join(dir, `${name}.pub`);
    writeFileSync(pub, readFileSync(subjectPub));
    await runOk('ssh-keygen', ['-q', '-s', caFile, ...extra, pub]);
    return readFileSync(join(dir, `${name}-cert.pub`), 'utf8');
  }

  const validArgs = (t: KeygenType): string[] => [
    '-I',
    'client-relay-1',
    '-n',
    'gw-id,gw-name',
    '-V',
    '+1h',
    '-z',
    '99',
    ...(t === 'rsa' ? ['-t', 'rsa-sha2-512'] : []),
  ];

  it.each(KEYGEN_TYPES)('%s CA: accepted, with every field read correctly', async (t) => {
    const ca = cas.get(t) as { file: string; blob: Buffer };
    const line = await keygenSign(ca.file, `ok-${t}`, validArgs(t));
    const cert = verifySshCertificate(line, {
      trustedCaKeys: [ca.blob],
      certType: 'user',
      principal: 'gw-name',
      keyId: 'client-relay-1',
    });
    expect(cert.serial).toBe(99n);
    expect(cert.principals).toEqual(['gw-id', 'gw-name']);
    expect(cert.publicKeyBlob).toEqual((ours.get('ecdsa-p256') as SshKeyPair).publicKeyBlob);
    expect(cert.signatureKeyBlob).toEqual(ca.blob);
    expect(cert.signatureAlgorithm).toBe(
      t === 'rsa'
        ? 'rsa-sha2-512'
        : parseSshPublicKeyLine(readFileSync(`${ca.file}.pub`, 'utf8')).algorithm,
    );
    expect(Object.keys(cert.extensions)).toContain('permit-pty');
    const now = Date.now() / 1000;
    expect(Number(cert.validAfter)).toBeLessThanOrEqual(now);
    expect(Number(cert.validBefore)).toBeGreaterThan(now + 3000);
  });

  it.each(KEYGEN_TYPES)('%s CA: tampered signature or principal is BAD_SIGNATURE', async (t) => {
    const ca = cas.get(t) as { file: string; blob: Buffer };
    const cert = parseSshCertificate(await keygenSign(ca.file, `tamper-${t}`, validArgs(t)));
    const policy = { trustedCaKeys: [ca.blob], certType: 'user' } as const;

    const badSig = flipByte(cert.blob, -1, 0x40);
    expect(codeOf(() => verifySshCertificate(badSig, policy))).toBe('BAD_SIGNATURE');

    const badPrincipal = Buffer.from(cert.blob);
    badPrincipal[badPrincipal.indexOf(Buffer.from('gw-name'))] = 'x'.charCodeAt(0);
    expect(parseSshCertificate(badPrincipal).principals).toEqual(['gw-id', 'xw-name']);
    expect(codeOf(() => verifySshCertificate(badPrincipal, policy))).toBe('BAD_SIGNATURE');
  });

  it.each(KEYGEN_TYPES)('%s CA: expired, not yet valid, wrong CA, wrong type', async (t) => {
    const ca = cas.get(t) as { file: string; blob: Buffer };
    const policy = { trustedCaKeys: [ca.blob], certType: 'user' } as const;
    const rsa = t === 'rsa' ? ['-t', 'rsa-sha2-512'] : [];
    const expired = await keygenSign(ca.file, `expired-${t}`, [
      '-I',
      'x',
      '-n',
      'gw-id',
      '-V',
      '20200101:20200102',
      ...rsa,
    ]);
    expect(codeOf(() => verifySshCertificate(expired, policy))).toBe('EXPIRED');
    const future = await keygenSign(ca.file, `future-${t}`, [
      '-I',
      'x',
      '-n',
      'gw-id',
      '-V',
      '+1d:+2d',
      ...rsa,
    ]);
    expect(codeOf(() => verifySshCertificate(future, policy))).toBe('NOT_YET_VALID');
    const host = await keygenSign(ca.file, `host-${t}`, [
      '-I',
      'x',
      '-h',
      '-n',
      'relay',
      '-V',
      '+1h',
      ...rsa,
    ]);
    expect(codeOf(() => verifySshCertificate(host, policy))).toBe('WRONG_CERT_TYPE');
    verifySshCertificate(host, { trustedCaKeys: [ca.blob], certType: 'host', principal: 'relay' });
    const valid = await keygenSign(ca.file, `valid-${t}`, validArgs(t));
    expect(codeOf(() => verifySshCertificate(valid, { ...policy, trustedCaKeys: [otherCa] }))).toBe(
      'WRONG_CA',
    );
    expect(codeOf(() => verifySshCertificate(valid, { ...policy, principal: 'root' }))).toBe(
      'WRONG_PRINCIPAL',
    );
    expect(codeOf(() => verifySshCertificate(valid, { ...policy, keyId: 'client-relay-2' }))).toBe(
      'WRONG_KEY_ID',
    );
  });

  it('another CA (ours, via ssh-keygen -s) is WRONG_CA for the trusted one; options are read', async () => {
    const trusted = cas.get('ed25519') as { file: string; blob: Buffer };
    const line = await keygenSign(join(dir, 'other-ca'), 'by-other', [
      '-I',
      'x',
      '-n',
      'gw-id',
      '-V',
      '+1h',
      '-O',
      'force-command=/bin/true',
    ]);
    expect(
      codeOf(() => verifySshCertificate(line, { trustedCaKeys: [trusted.blob], certType: 'user' })),
    ).toBe('WRONG_CA');
    const policy = { trustedCaKeys: [otherCa], certType: 'user' } as const;
    expect(codeOf(() => verifySshCertificate(line, policy))).toBe('UNKNOWN_CRITICAL_OPTION');
    const cert = verifySshCertificate(line, {
      ...policy,
      allowedCriticalOptions: ['force-command'],
    });
    expect(cert.criticalOptions).toEqual({ 'force-command': '/bin/true' });
  });
});
