/**
 * The OpenSSH private key file format (`PROTOCOL.key`), unencrypted only — what
 * `ssh-keygen -t ... -N ''` writes and what `ssh -i` and `ssh-keygen -y` read.
 *
 *   -----BEGIN OPENSSH PRIVATE KEY-----
 *   base64, wrapped at 70 columns, of:
 *     byte[15]  "openssh-key-v1\0"
 *     string    cipher name         "none" (anything else: UNSUPPORTED_ALGORITHM)
 *     string    kdf name            "none"
 *     string    kdf options         empty
 *     uint32    number of keys      1
 *     string    public key blob
 *     string    private section, a multiple of 8 bytes (the "none" cipher's block size):
 *                 uint32  check       random; the same value twice (a wrong passphrase detector)
 *                 uint32  check
 *                 string  key type
 *                 ...     private fields   ssh-ed25519:       string pk(32), string seed(32) || pk(32)
 *                                          ecdsa-sha2-nistpN: string curve, string Q, mpint d
 *                                          ssh-rsa:           mpint n, mpint e, mpint d, mpint iqmp,
 *                                                             mpint p, mpint q
 *                 string  comment
 *                 byte[]  padding     1, 2, 3, ... up to the block size
 *   -----END OPENSSH PRIVATE KEY-----
 *
 * Decoding checks that the private key really belongs to the public key in the header (by signing
 * and verifying a probe), so a damaged or spliced file is MALFORMED rather than a key that signs
 * things nobody can verify.
 */
import {
  createPrivateKey,
  createPublicKey,
  randomBytes,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { CertificateError } from '../certificate-error.ts';
import { ecdsaCurveOf, isSshPublicKeyAlgorithm } from './ssh-key-algorithm.ts';
import type { SshKeyPair } from './ssh-key-pair.ts';
import { encodeSshPublicKey, readSshPublicKeyFields } from './ssh-public-key.ts';
import { signSshData, verifySshSignature } from './ssh-signature.ts';
import { SshWireReader, SshWireWriter } from './ssh-wire.ts';

const BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----';
const END = '-----END OPENSSH PRIVATE KEY-----';
const MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');
const BLOCK_SIZE = 8;
const LINE_WIDTH = 70;
/** A private key file of an RSA-16384 key is about 12 KiB; refuse absurd input before decoding. */
const MAX_FILE_LENGTH = 64 * 1024;

/** A key pair read from an OpenSSH private key file. */
export interface OpenSshPrivateKey extends SshKeyPair {
  readonly comment: string;
}

/**
 * Writes a node:crypto private key (ed25519, ECDSA P-256/384/521, RSA) as an unencrypted OpenSSH
 * private key file. Store it with mode 0600: ssh refuses keys others can read.
 *
 * @example
 *   const pair = generateSshKeyPair('ed25519');
 *   writeFileSync('id_ed25519', encodeOpenSshPrivateKey(pair.privateKey, 'gateway'), { mode: 0o600 });
 */
export function encodeOpenSshPrivateKey(privateKey: KeyObject, comment = ''): string {
  if (privateKey?.type !== 'private') {
    throw new CertificateError('INVALID_ARGUMENT', 'expected a private KeyObject');
  }
  if (/[\r\n]/.test(comment)) {
    throw new CertificateError('INVALID_ARGUMENT', 'a key comment cannot contain a line break');
  }
  const publicKeyBlob = encodeSshPublicKey(privateKey);
  const algorithm = new SshWireReader(publicKeyBlob).readUtf8();
  const jwk = privateKey.export({ format: 'jwk' });
  const check = randomBytes(4);
  const section = new SshWireWriter().writeRaw(check).writeRaw(check).writeString(algorithm);
  if (algorithm === 'ssh-ed25519') {
    const pk = component(jwk, 'x');
    section.writeString(pk).writeString(Buffer.concat([component(jwk, 'd'), pk]));
  } else if (algorithm === 'ssh-rsa') {
    section
      .writeMpint(component(jwk, 'n'))
      .writeMpint(component(jwk, 'e'))
      .writeMpint(component(jwk, 'd'))
      .writeMpint(component(jwk, 'qi'))
      .writeMpint(component(jwk, 'p'))
      .writeMpint(component(jwk, 'q'));
  } else {
    // The public blob is `string name, string curve, string Q`: reuse its curve and Q verbatim.
    section.writeRaw(publicKeyBlob.subarray(4 + algorithm.length)).writeMpint(component(jwk, 'd'));
  }
  section.writeString(comment);
  for (let pad = 1; section.length % BLOCK_SIZE !== 0; pad++) section.writeByte(pad);

  const body = new SshWireWriter()
    .writeRaw(MAGIC)
    .writeString('none')
    .writeString('none')
    .writeString('')
    .writeUint32(1)
    .writeString(publicKeyBlob)
    .writeString(section.toBuffer())
    .toBuffer()
    .toString('base64');
  const lines = [];
  for (let i = 0; i < body.length; i += LINE_WIDTH) lines.push(body.slice(i, i + LINE_WIDTH));
  return `${BEGIN}\n${lines.join('\n')}\n${END}\n`;
}

/**
 * Reads an unencrypted OpenSSH private key file. Byte offsets in errors are positions in the
 * base64-decoded body.
 *
 * @example
 *   const { privateKey, publicKeyBlob, comment } = decodeOpenSshPrivateKey(readFileSync('id_ed25519', 'utf8'));
 */
export function decodeOpenSshPrivateKey(text: string | Buffer): OpenSshPrivateKey {
  const pem = typeof text === 'string' ? text : text.toString('utf8');
  if (pem.length > MAX_FILE_LENGTH) {
    throw new CertificateError('MALFORMED', 'private key file is too large', { offset: 0 });
  }
  const begin = pem.indexOf(BEGIN);
  const end = pem.indexOf(END, begin + BEGIN.length);
  if (begin < 0 || end < 0) {
    throw new CertificateError(
      'MALFORMED',
      'not an OpenSSH private key file (no BEGIN/END lines)',
      {
        offset: 0,
      },
    );
  }
  const base64 = pem.slice(begin + BEGIN.length, end).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0) {
    throw new CertificateError('MALFORMED', 'private key body is not valid base64', {
      offset: begin + BEGIN.length,
    });
  }
  const blob = Buffer.from(base64, 'base64');

  const r = new SshWireReader(blob);
  if (!r.readRaw(Math.min(MAGIC.length, r.remaining), 'magic').equals(MAGIC)) {
    throw new CertificateError('MALFORMED', 'missing "openssh-key-v1" magic', { offset: 0 });
  }
  const cipherOffset = r.offset;
  const cipher = r.readUtf8('cipher name');
  const kdf = r.readUtf8('kdf name');
  r.readString('kdf options');
  if (cipher !== 'none' || kdf !== 'none') {
    throw new CertificateError(
      'UNSUPPORTED_ALGORITHM',
      `encrypted private keys (cipher ${cipher}, kdf ${kdf}) are not supported`,
      { offset: cipherOffset },
    );
  }
  const countOffset = r.offset;
  const count = r.readUint32('number of keys');
  if (count !== 1) {
    throw new CertificateError('MALFORMED', `file holds ${count} keys, expected 1`, {
      offset: countOffset,
    });
  }
  const publicKeyBlob = r.readString('public key');
  const sectionOffset = r.offset + 4;
  const s = r.readNested('private section');
  r.expectEnd('private key file');
  if (s.remaining % BLOCK_SIZE !== 0) {
    throw new CertificateError('MALFORMED', 'private section is not a whole number of blocks', {
      offset: sectionOffset,
    });
  }
  const check1 = s.readUint32('check');
  const checkOffset = s.offset;
  if (s.readUint32('check') !== check1) {
    throw new CertificateError('MALFORMED', 'check values differ (corrupt or encrypted key)', {
      offset: checkOffset,
    });
  }
  const typeOffset = s.offset;
  const algorithm = s.readUtf8('key type');
  if (!isSshPublicKeyAlgorithm(algorithm)) {
    throw new CertificateError('UNSUPPORTED_ALGORITHM', `unsupported key type ${algorithm}`, {
      offset: typeOffset,
    });
  }
  const fieldsOffset = s.offset;
  let jwk: JsonWebKey;
  if (algorithm === 'ssh-rsa') {
    jwk = readRsaPrivate(s);
  } else {
    const pub = readSshPublicKeyFields(s, algorithm).key.export({ format: 'jwk' });
    if (algorithm === 'ssh-ed25519') {
      const skOffset = s.offset;
      const sk = s.readString('ed25519 private key');
      if (sk.length !== 64 || !sk.subarray(32).equals(Buffer.from(pub.x ?? '', 'base64url'))) {
        throw new CertificateError('MALFORMED', 'ed25519 private key is not seed || public key', {
          offset: skOffset,
        });
      }
      jwk = { ...pub, d: sk.subarray(0, 32).toString('base64url') };
    } else {
      const size = ecdsaCurveOf(algorithm)?.coordinateBytes ?? 0;
      const dOffset = s.offset;
      const d = s.readMpint('ECDSA private scalar');
      if (d.length === 0 || d.length > size) {
        throw new CertificateError('MALFORMED', 'ECDSA private scalar out of range', {
          offset: dOffset,
        });
      }
      jwk = { ...pub, d: Buffer.concat([Buffer.alloc(size - d.length), d]).toString('base64url') };
    }
  }
  const comment = s.readUtf8('comment');
  const paddingOffset = s.offset;
  const padding = s.readRaw(s.remaining, 'padding');
  if (padding.length >= BLOCK_SIZE || padding.some((b, i) => b !== i + 1)) {
    throw new CertificateError('MALFORMED', 'bad padding after the private key', {
      offset: paddingOffset,
    });
  }

  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
  } catch (cause) {
    throw new CertificateError('MALFORMED', `invalid ${algorithm} private key`, {
      offset: fieldsOffset,
      cause,
    });
  }
  const publicKey = createPublicKey(privateKey);
  const derived = encodeSshPublicKey(publicKey);
  if (!derived.equals(publicKeyBlob)) {
    throw new CertificateError('MALFORMED', 'private key does not match the public key', {
      offset: fieldsOffset,
    });
  }
  const probe = randomBytes(32);
  try {
    verifySshSignature(publicKeyBlob, probe, signSshData(privateKey, probe));
  } catch (cause) {
    throw new CertificateError('MALFORMED', 'private key does not match the public key', {
      offset: fieldsOffset,
      cause,
    });
  }
  return { algorithm, privateKey, publicKey, publicKeyBlob: derived, comment };
}

/** RSA private fields → JWK, computing the CRT exponents OpenSSH does not store. */
function readRsaPrivate(s: SshWireReader): JsonWebKey {
  const start = s.offset;
  const n = s.readMpint('rsa n');
  const e = s.readMpint('rsa e');
  const d = s.readMpint('rsa d');
  const iqmp = s.readMpint('rsa iqmp');
  const p = s.readMpint('rsa p');
  const q = s.readMpint('rsa q');
  const [N, D, P, Q] = [n, d, p, q].map(toBigInt) as [bigint, bigint, bigint, bigint];
  if (P < 2n || Q < 2n || P * Q !== N || n.length > 2048) {
    throw new CertificateError('MALFORMED', 'RSA private key is inconsistent (n != p * q)', {
      offset: start,
    });
  }
  const b64 = (x: Buffer): string => x.toString('base64url');
  return {
    kty: 'RSA',
    n: b64(n),
    e: b64(e),
    d: b64(d),
    p: b64(p),
    q: b64(q),
    dp: b64(fromBigInt(D % (P - 1n))),
    dq: b64(fromBigInt(D % (Q - 1n))),
    qi: b64(iqmp),
  };
}

function component(jwk: JsonWebKey, name: keyof JsonWebKey): Buffer {
  const value = jwk[name];
  if (typeof value !== 'string') {
    throw new CertificateError('INVALID_ARGUMENT', `private key export lacks ${String(name)}`);
  }
  return Buffer.from(value, 'base64url');
}

function toBigInt(magnitude: Buffer): bigint {
  return magnitude.length === 0 ? 0n : BigInt(`0x${magnitude.toString('hex')}`);
}

function fromBigInt(value: bigint): Buffer {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
}
