/**
 * OpenSSH certificates: our signer, parser and verifier against each other — every field, every
 * error code, and hostile input (truncation at every byte, huge lengths, trailing bytes, single
 * flipped bytes). The OpenSSH judges are in ssh-certificate-keygen.test.ts and ssh-sshd.test.ts.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { CertificateError } from '../src/certificate-error.ts';
import {
  DEFAULT_SSH_USER_CERTIFICATE_EXTENSIONS,
  formatSshCertificateLine,
  generateSshKeyPair,
  parseSshCertificate,
  parseSshSignature,
  signSshCertificate,
  SSH_CERTIFICATE_VALID_FOREVER,
  verifySshCertificate,
  type SignSshCertificateOptions,
  type SshCertificate,
  type SshCertificatePolicy,
  type SshKeyPair,
  type SshKeyType,
} from '../src/ssh/index.ts';
import { SshWireReader, SshWireWriter } from '../src/ssh/ssh-wire.ts';
import { flipByte } from './support/ssh-bytes.ts';

const TYPES: readonly SshKeyType[] = ['ed25519', 'ecdsa-p256', 'rsa-2048'];
const NOW = new Date('2030-06-01T12:00:00Z');
const HOUR = 3_600_000;

function errorOf(fn: () => unknown): CertificateError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CertificateError) return e;
    throw new Error(`expected a CertificateError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected a CertificateError, but nothing was thrown');
}

const keys = new Map<SshKeyType, SshKeyPair>();
let ca: SshKeyPair;
let subject: SshKeyPair;

beforeAll(() => {
  for (const t of TYPES) keys.set(t, generateSshKeyPair(t));
  ca = keys.get('ed25519') as SshKeyPair;
  subject = keys.get('ecdsa-p256') as SshKeyPair;
});

function sign(overrides: Partial<SignSshCertificateOptions> = {}): SshCertificate {
  return signSshCertificate({
    caPrivateKey: ca.privateKey,
    publicKey: subject.publicKeyBlob,
    type: 'user',
    keyId: 'client-relay-1',
    serial: 7n,
    principals: ['gw-id', 'gw-name'],
    validAfter: new Date(NOW.getTime() - HOUR),
    validBefore: new Date(NOW.getTime() + HOUR),
    ...overrides,
  });
}

const POLICY: Omit<SshCertificatePolicy, 'trustedCaKeys'> = {
  certType: 'user',
  principal: 'gw-id',
  keyId: 'client-relay-1',
  now: NOW,
};

describe('signSshCertificate / parseSshCertificate', () => {
  it.each(TYPES.flatMap((c) => TYPES.map((s) => [c, s] as const)))(
    'CA %s, subject %s: every field survives the round trip',
    (caType, subjectType) => {
      const caPair = keys.get(caType) as SshKeyPair;
      const sub = keys.get(subjectType) as SshKeyPair;
      const cert = signSshCertificate({
        caPrivateKey: caPair.privateKey,
        publicKey: sub.publicKey,
        type: 'host',
        keyId: 'relay-server',
        serial: 0xffff_ffff_ffff_fffen,
        principals: ['relay.example:2222'],
        validAfter: 1_700_000_000n,
        validBefore: SSH_CERTIFICATE_VALID_FOREVER,
        comment: 'host cert',
      });
      const line = formatSshCertificateLine(cert);
      expect(line.endsWith(' host cert')).toBe(true);
      const parsed = parseSshCertificate(line);
      expect(parsed.algorithm).toBe(`${sub.algorithm}-cert-v01@openssh.com`);
      expect(parsed.publicKeyAlgorithm).toBe(sub.algorithm);
      expect(parsed.publicKeyBlob).toEqual(sub.publicKeyBlob);
      expect(parsed.signatureKeyBlob).toEqual(caPair.publicKeyBlob);
      expect(parsed.signatureKeyAlgorithm).toBe(caPair.algorithm);
      expect(parsed.signatureAlgorithm).toBe(
        caType === 'rsa-2048' ? 'rsa-sha2-512' : caPair.algorithm,
      );
      expect(parsed.serial).toBe(0xffff_ffff_ffff_fffen);
      expect(parsed.type).toBe('host');
      expect(parsed.keyId).toBe('relay-server');
      expect(parsed.principals).toEqual(['relay.example:2222']);
      expect(parsed.validAfter).toBe(1_700_000_000n);
      expect(parsed.validBefore).toBe(SSH_CERTIFICATE_VALID_FOREVER);
      expect(parsed.criticalOptions).toEqual({});
      expect(parsed.extensions).toEqual({});
      expect(parsed.nonce.length).toBe(32);
      expect(parsed.comment).toBe('host cert');
      expect(parsed.blob).toEqual(cert.blob);
      expect(Buffer.concat([parsed.signedBytes, Buffer.alloc(4), parsed.signature]).length).toBe(
        parsed.blob.length,
      );
      expect(parseSshCertificate(cert.blob).keyId).toBe('relay-server');
      expect(parseSshCertificate(Buffer.from(line)).keyId).toBe('relay-server');
      verifySshCertificate(parsed, {
        trustedCaKeys: [caPair.publicKeyBlob],
        certType: 'host',
        principal: 'relay.example:2222',
      });
    },
  );

  it('gives user certificates the ssh-keygen default extensions, in lexical order', () => {
    const cert = sign();
    expect(cert.extensions).toEqual(DEFAULT_SSH_USER_CERTIFICATE_EXTENSIONS);
    expect(Object.keys(cert.extensions)).toEqual([
      'permit-X11-forwarding',
      'permit-agent-forwarding',
      'permit-port-forwarding',
      'permit-pty',
      'permit-user-rc',
    ]);
    expect(sign({ extensions: { 'permit-pty': '' } }).extensions).toEqual({ 'permit-pty': '' });
  });

  it('writes critical options and valued extensions as nested strings', () => {
    const cert = sign({
      criticalOptions: { 'source-address': '10.0.0.0/8', 'force-command': '/bin/true' },
      extensions: { 'burrow@example.com': 'v1', 'permit-pty': '' },
    });
    expect(cert.criticalOptions).toEqual({
      'force-command': '/bin/true',
      'source-address': '10.0.0.0/8',
    });
    expect(Object.keys(cert.criticalOptions)).toEqual(['force-command', 'source-address']);
    expect(cert.extensions).toEqual({ 'burrow@example.com': 'v1', 'permit-pty': '' });
  });

  it('signs with rsa-sha2-256 when asked', () => {
    const rsa = keys.get('rsa-2048') as SshKeyPair;
    const cert = sign({ caPrivateKey: rsa.privateKey, rsaSignatureAlgorithm: 'rsa-sha2-256' });
    expect(cert.signatureAlgorithm).toBe('rsa-sha2-256');
    verifySshCertificate(cert, { ...POLICY, trustedCaKeys: [rsa.publicKeyBlob] });
  });

  it('refuses impossible requests with INVALID_ARGUMENT', () => {
    expect(errorOf(() => sign({ principals: [] })).code).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => sign({ serial: -1 })).code).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => sign({ serial: 2n ** 64n })).code).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => sign({ validBefore: new Date(NOW.getTime() - 2 * HOUR) })).code).toBe(
      'INVALID_ARGUMENT',
    );
    expect(errorOf(() => sign({ validAfter: new Date(Number.NaN) })).code).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => sign({ caPrivateKey: ca.publicKey })).code).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => sign({ type: 'both' as 'user' })).code).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => sign({ publicKey: sign().blob })).code).toBe('UNSUPPORTED_ALGORITHM');
  });
});

describe('verifySshCertificate', () => {
  it('accepts a certificate that satisfies the policy and returns it', () => {
    const cert = sign();
    const ok = verifySshCertificate(formatSshCertificateLine(cert), {
      ...POLICY,
      trustedCaKeys: [generateSshKeyPair('ed25519').publicKeyBlob, ca.publicKeyBlob],
    });
    expect(ok.principals).toEqual(['gw-id', 'gw-name']);
    verifySshCertificate(cert.blob, {
      trustedCaKeys: [ca.publicKeyBlob],
      certType: 'user',
      now: NOW,
    });
  });

  it('maps each failure to its code', () => {
    const cert = sign();
    const trusted = { ...POLICY, trustedCaKeys: [ca.publicKeyBlob] };
    const code = (c: SshCertificate | Buffer, p: Partial<SshCertificatePolicy> = {}): string =>
      errorOf(() => verifySshCertificate(c, { ...trusted, ...p })).code;

    expect(code(cert, { trustedCaKeys: [] })).toBe('WRONG_CA');
    expect(code(cert, { trustedCaKeys: [subject.publicKeyBlob] })).toBe('WRONG_CA');
    // Same key type, different key: still the wrong CA, never "some valid CA".
    expect(code(cert, { trustedCaKeys: [generateSshKeyPair('ed25519').publicKeyBlob] })).toBe(
      'WRONG_CA',
    );
    expect(code(cert, { certType: 'host' })).toBe('WRONG_CERT_TYPE');
    expect(code(cert, { now: new Date(NOW.getTime() - 2 * HOUR) })).toBe('NOT_YET_VALID');
    expect(code(cert, { now: new Date(NOW.getTime() + HOUR) })).toBe('EXPIRED'); // valid before is exclusive
    expect(code(cert, { principal: 'someone-else' })).toBe('WRONG_PRINCIPAL');
    expect(code(cert, { keyId: 'client-relay-2' })).toBe('WRONG_KEY_ID');
    expect(code(sign({ criticalOptions: { 'force-command': '/bin/sh' } }))).toBe(
      'UNKNOWN_CRITICAL_OPTION',
    );
    expect(
      verifySshCertificate(sign({ criticalOptions: { 'source-address': '127.0.0.1/32' } }), {
        ...trusted,
        allowedCriticalOptions: ['source-address'],
      }).criticalOptions['source-address'],
    ).toBe('127.0.0.1/32');
    expect(code(Buffer.from('garbage'))).toBe('MALFORMED');
  });

  it('reports BAD_SIGNATURE for a tampered certificate signed by the trusted CA', () => {
    const cert = sign();
    const tampered = Buffer.from(cert.blob);
    const at = tampered.indexOf(Buffer.from('gw-name'));
    tampered[at] = 'G'.charCodeAt(0);
    expect(parseSshCertificate(tampered).principals).toEqual(['gw-id', 'Gw-name']);
    expect(
      errorOf(() =>
        verifySshCertificate(tampered, { ...POLICY, trustedCaKeys: [ca.publicKeyBlob] }),
      ).code,
    ).toBe('BAD_SIGNATURE');
  });

  it('never trusts fields edited on a parsed object', () => {
    const cert = sign();
    const edited: SshCertificate = { ...cert, principals: ['root'], keyId: 'x' };
    expect(
      errorOf(() =>
        verifySshCertificate(edited, {
          trustedCaKeys: [ca.publicKeyBlob],
          certType: 'user',
          principal: 'root',
          now: NOW,
        }),
      ).code,
    ).toBe('WRONG_PRINCIPAL');
  });

  it('refuses an RSA CA signature made with SHA-1 (ssh-rsa)', () => {
    const rsa = keys.get('rsa-2048') as SshKeyPair;
    const cert = sign({ caPrivateKey: rsa.privateKey });
    const sha1 = Buffer.concat([
      cert.signedBytes,
      new SshWireWriter()
        .writeString(
          new SshWireWriter()
            .writeString('ssh-rsa')
            .writeString(parseSshSignature(cert.signature).signature)
            .toBuffer(),
        )
        .toBuffer(),
    ]);
    expect(
      errorOf(() => verifySshCertificate(sha1, { ...POLICY, trustedCaKeys: [rsa.publicKeyBlob] }))
        .code,
    ).toBe('UNSUPPORTED_ALGORITHM');
  });
});

describe('hostile input', () => {
  const certs = (): SshCertificate[] =>
    TYPES.map((t) =>
      sign({
        caPrivateKey: (keys.get(t) as SshKeyPair).privateKey,
        publicKey: (keys.get(t) as SshKeyPair).publicKeyBlob,
        criticalOptions: { 'source-address': '10.1.2.3' },
      }),
    );

  it('throws a MALFORMED CertificateError for a blob truncated at every byte', () => {
    for (const cert of certs()) {
      for (let n = 0; n < cert.blob.length; n++) {
        const e = errorOf(() => parseSshCertificate(cert.blob.subarray(0, n)));
        expect(e.code).toBe('MALFORMED');
        expect(e.offset).toBeGreaterThanOrEqual(0);
        expect(e.offset).toBeLessThanOrEqual(n);
      }
    }
  });

  it('throws a typed error for a certificate line truncated at every character', () => {
    const line = formatSshCertificateLine(certs()[0] as SshCertificate);
    for (let n = 0; n < line.length; n++) {
      expect(errorOf(() => parseSshCertificate(line.slice(0, n))).code).toMatch(
        /^(MALFORMED|UNSUPPORTED_ALGORITHM)$/,
      );
    }
  });

  it('refuses trailing bytes after the signature', () => {
    for (const cert of certs()) {
      const e = errorOf(() => parseSshCertificate(Buffer.concat([cert.blob, Buffer.of(0)])));
      expect(e.code).toBe('MALFORMED');
      expect(e.offset).toBe(cert.blob.length);
    }
  });

  it('refuses a huge length prefix in every string field without allocating or hanging', () => {
    for (const cert of certs()) {
      // Walk the top-level fields, and at each string field's length write 0xFFFFFFFF.
      const r = new SshWireReader(cert.blob);
      const stringFieldOffsets: number[] = [];
      const take = (kind: 'string' | 'mpint' | 'u32' | 'u64'): void => {
        if (kind === 'u32') r.readUint32();
        else if (kind === 'u64') r.readUint64();
        else {
          stringFieldOffsets.push(r.offset);
          r.readString();
        }
      };
      take('string'); // type
      take('string'); // nonce
      const keyFields = { ed25519: 1, ecdsa: 2, rsa: 2 };
      const kind = cert.publicKeyAlgorithm.startsWith('ecdsa')
        ? 'ecdsa'
        : cert.publicKeyAlgorithm === 'ssh-rsa'
          ? 'rsa'
          : 'ed25519';
      for (let i = 0; i < keyFields[kind]; i++) take('string');
      take('u64');
      take('u32');
      for (let i = 0; i < 9; i++) take(i === 2 || i === 3 ? 'u64' : 'string');
      expect(r.atEnd()).toBe(true);
      for (const at of stringFieldOffsets) {
        const evil = Buffer.from(cert.blob);
        evil.writeUInt32BE(0xffff_ffff, at);
        const e = errorOf(() => parseSshCertificate(evil));
        expect(e.code).toMatch(/^(MALFORMED|UNSUPPORTED_ALGORITHM)$/);
      }
    }
  });

  it('refuses trailing bytes inside nested fields and duplicate options', () => {
    const principals = new SshWireWriter().writeString('a').writeRaw(Buffer.of(1)).toBuffer();
    const dupOptions = new SshWireWriter()
      .writeString('permit-pty')
      .writeString('')
      .writeString('permit-pty')
      .writeString('')
      .toBuffer();
    const body = (p: Buffer, ext: Buffer): Buffer =>
      new SshWireWriter()
        .writeString('ssh-ed25519-cert-v01@openssh.com')
        .writeString(Buffer.alloc(32))
        .writeString(Buffer.alloc(32, 1))
        .writeUint64(1n)
        .writeUint32(1)
        .writeString('id')
        .writeString(p)
        .writeUint64(0n)
        .writeUint64(SSH_CERTIFICATE_VALID_FOREVER)
        .writeString('')
        .writeString(ext)
        .writeString('')
        .writeString(ca.publicKeyBlob)
        .writeString(
          new SshWireWriter().writeString('ssh-ed25519').writeString(Buffer.alloc(64)).toBuffer(),
        )
        .toBuffer();
    expect(errorOf(() => parseSshCertificate(body(principals, Buffer.alloc(0)))).code).toBe(
      'MALFORMED',
    );
    expect(
      errorOf(() =>
        parseSshCertificate(body(new SshWireWriter().writeString('a').toBuffer(), dupOptions)),
      ).message,
    ).toContain('twice');
  });

  it('refuses unknown certificate types and type codes', () => {
    const cert = sign();
    const dss = new SshWireWriter()
      .writeString('ssh-dss-cert-v01@openssh.com')
      .writeRaw(cert.blob.subarray(4 + cert.algorithm.length))
      .toBuffer();
    expect(errorOf(() => parseSshCertificate(dss)).code).toBe('UNSUPPORTED_ALGORITHM');
    const typeAt = cert.signedBytes.indexOf(Buffer.from('client-relay-1')) - 8;
    const badType = Buffer.from(cert.blob);
    badType.writeUInt32BE(3, typeAt);
    const e = errorOf(() => parseSshCertificate(badType));
    expect(e.code).toBe('MALFORMED');
    expect(e.offset).toBe(typeAt);
  });

  it('never verifies a certificate with any single byte flipped', () => {
    for (const cert of certs()) {
      const policy = {
        ...POLICY,
        trustedCaKeys: [cert.signatureKeyBlob],
        allowedCriticalOptions: ['source-address'],
      };
      verifySshCertificate(cert, policy);
      for (let i = 0; i < cert.blob.length; i++) {
        errorOf(() => verifySshCertificate(flipByte(cert.blob, i), policy));
      }
    }
  });
});
