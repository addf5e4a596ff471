/**
 * SSH public keys: the wire blob (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4) and the
 * `authorized_keys`-style line.
 *
 *   ssh-ed25519:          string "ssh-ed25519"          string key (32 bytes)
 *   ecdsa-sha2-nistpN:    string "ecdsa-sha2-nistpN"    string "nistpN"   string Q (0x04 || x || y)
 *   ssh-rsa:              string "ssh-rsa"              mpint e           mpint n
 *
 *   line:                 <type> <base64(blob)> [comment]
 *
 * Decoding rebuilds a node:crypto `KeyObject`, so an EC point that is not on its curve or an RSA
 * modulus outside 1024..16384 bits is refused here, not later. Only uncompressed EC points are
 * accepted (OpenSSH writes no others).
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { CertificateError } from '../certificate-error.ts';
import {
  ecdsaAlgorithmForNodeCurve,
  ecdsaCurveOf,
  isSshPublicKeyAlgorithm,
  type SshPublicKeyAlgorithm,
} from './ssh-key-algorithm.ts';
import { joinSshKeyLine, splitSshKeyLine } from './ssh-key-line.ts';
import { SshWireReader, SshWireWriter } from './ssh-wire.ts';

/** OpenSSH's lower bound (SSH_RSA_MINIMUM_MODULUS_SIZE). */
const RSA_MIN_BITS = 1024;
/** OpenSSL's upper bound (OPENSSL_RSA_MAX_MODULUS_BITS); bigger moduli are a CPU-cost attack. */
const RSA_MAX_BITS = 16384;

/** A decoded SSH public key. */
export interface SshPublicKey {
  readonly algorithm: SshPublicKeyAlgorithm;
  /** The canonical wire blob (what fingerprints and CA comparisons are computed over). */
  readonly blob: Buffer;
  /** The same key for node:crypto. */
  readonly key: KeyObject;
}

/** A public key read from a `<type> <base64> [comment]` line. */
export interface SshPublicKeyLine extends SshPublicKey {
  readonly comment: string;
}

/**
 * Encodes a node:crypto key (public, or private — its public half is used) as an SSH public key
 * blob.
 *
 * @example
 *   const { publicKey } = generateKeyPairSync('ed25519');
 *   encodeSshPublicKey(publicKey).length // 51
 */
export function encodeSshPublicKey(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  if (pub.type !== 'public') {
    throw new CertificateError('INVALID_ARGUMENT', `expected an asymmetric key, got ${pub.type}`);
  }
  const jwk = pub.export({ format: 'jwk' });
  const w = new SshWireWriter();
  switch (pub.asymmetricKeyType) {
    case 'ed25519':
      return w.writeString('ssh-ed25519').writeString(b64url(jwk.x)).toBuffer();
    case 'ec': {
      const nodeCurve = pub.asymmetricKeyDetails?.namedCurve ?? '';
      const algorithm = ecdsaAlgorithmForNodeCurve(nodeCurve);
      const curve = algorithm === undefined ? undefined : ecdsaCurveOf(algorithm);
      if (algorithm === undefined || curve === undefined) {
        throw new CertificateError('UNSUPPORTED_ALGORITHM', `unsupported EC curve ${nodeCurve}`);
      }
      const point = Buffer.concat([
        Buffer.of(4),
        leftPad(b64url(jwk.x), curve.coordinateBytes),
        leftPad(b64url(jwk.y), curve.coordinateBytes),
      ]);
      return w.writeString(algorithm).writeString(curve.sshName).writeString(point).toBuffer();
    }
    case 'rsa':
      return w
        .writeString('ssh-rsa')
        .writeMpint(b64url(jwk.e))
        .writeMpint(b64url(jwk.n))
        .toBuffer();
    default:
      throw new CertificateError(
        'UNSUPPORTED_ALGORITHM',
        `unsupported key type ${String(pub.asymmetricKeyType)}`,
      );
  }
}

/**
 * Decodes an SSH public key blob. Trailing bytes, unknown types and invalid keys are refused.
 * `baseOffset` places the blob inside a bigger one for error offsets.
 *
 * @example
 *   const { algorithm, key } = decodeSshPublicKey(blob); // 'ssh-ed25519', KeyObject
 */
export function decodeSshPublicKey(blob: Buffer, baseOffset = 0): SshPublicKey {
  const r = new SshWireReader(Buffer.from(blob), baseOffset);
  const start = r.offset;
  const name = r.readUtf8('key type');
  if (!isSshPublicKeyAlgorithm(name)) {
    throw new CertificateError(
      'UNSUPPORTED_ALGORITHM',
      `unsupported key type ${JSON.stringify(name)}`,
      {
        offset: start,
      },
    );
  }
  const key = readSshPublicKeyFields(r, name);
  r.expectEnd('public key');
  return key;
}

/**
 * Reads the algorithm-specific fields of a public key (everything after the type name) and
 * returns the key with its canonical blob. Shared by plain keys, certificates and private keys.
 * @internal
 */
export function readSshPublicKeyFields(
  r: SshWireReader,
  algorithm: SshPublicKeyAlgorithm,
): SshPublicKey {
  const start = r.offset;
  let jwk: JsonWebKey;
  const w = new SshWireWriter().writeString(algorithm);
  if (algorithm === 'ssh-ed25519') {
    const raw = r.readString('ed25519 public key');
    if (raw.length !== 32) {
      throw new CertificateError('MALFORMED', `ed25519 public key is ${raw.length} bytes, not 32`, {
        offset: start,
      });
    }
    w.writeString(raw);
    jwk = { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') };
  } else if (algorithm === 'ssh-rsa') {
    const e = r.readMpint('rsa exponent');
    const nOffset = r.offset;
    const n = r.readMpint('rsa modulus');
    const bits = bitLength(n);
    if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
      throw new CertificateError(
        'UNSUPPORTED_ALGORITHM',
        `RSA modulus of ${bits} bits is outside ${RSA_MIN_BITS}..${RSA_MAX_BITS}`,
        { offset: nOffset },
      );
    }
    if (
      e.length === 0 ||
      e.length > 8 ||
      ((e[e.length - 1] as number) & 1) === 0 ||
      (e.length === 1 && (e[0] as number) < 3)
    ) {
      throw new CertificateError('MALFORMED', 'RSA public exponent is not a small odd number', {
        offset: start,
      });
    }
    w.writeMpint(e).writeMpint(n);
    jwk = { kty: 'RSA', e: e.toString('base64url'), n: n.toString('base64url') };
  } else {
    const curve = ecdsaCurveOf(algorithm);
    if (curve === undefined) {
      throw new CertificateError('UNSUPPORTED_ALGORITHM', `unsupported key type ${algorithm}`, {
        offset: start,
      });
    }
    const curveName = r.readUtf8('curve name');
    if (curveName !== curve.sshName) {
      throw new CertificateError(
        'MALFORMED',
        `curve ${JSON.stringify(curveName)} does not match key type ${algorithm}`,
        { offset: start },
      );
    }
    const pointOffset = r.offset;
    const point = r.readString('EC point');
    const n = curve.coordinateBytes;
    if (point.length !== 1 + 2 * n || point[0] !== 4) {
      throw new CertificateError('MALFORMED', 'EC point is not an uncompressed point', {
        offset: pointOffset,
      });
    }
    w.writeString(curve.sshName).writeString(point);
    jwk = {
      kty: 'EC',
      crv: curve.jwkCurve,
      x: point.subarray(1, 1 + n).toString('base64url'),
      y: point.subarray(1 + n).toString('base64url'),
    };
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk, format: 'jwk' });
  } catch (cause) {
    throw new CertificateError('MALFORMED', `invalid ${algorithm} public key`, {
      offset: start,
      cause,
    });
  }
  return { algorithm, blob: w.toBuffer(), key };
}

/**
 * Formats a public key as `<type> <base64> [comment]` (the `.pub` / `authorized_keys` form).
 *
 * @example
 *   formatSshPublicKeyLine(blob, 'gateway@example') // 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5... gateway@example'
 */
export function formatSshPublicKeyLine(key: Buffer | KeyObject, comment?: string): string {
  const decoded = decodeSshPublicKey(Buffer.isBuffer(key) ? key : encodeSshPublicKey(key));
  return joinSshKeyLine(decoded.algorithm, decoded.blob, comment);
}

/**
 * Parses a `<type> <base64> [comment]` line (a `.pub` file's content; no `authorized_keys`
 * options). Certificate lines are refused: use `parseSshCertificate`.
 *
 * @example
 *   const { algorithm, blob, comment } = parseSshPublicKeyLine(readFileSync('id_ed25519.pub', 'utf8'));
 */
export function parseSshPublicKeyLine(line: string): SshPublicKeyLine {
  const { blob, comment } = splitSshKeyLine(line);
  return { ...decodeSshPublicKey(blob), comment };
}

function b64url(value: unknown): Buffer {
  if (typeof value !== 'string') {
    throw new CertificateError('INVALID_ARGUMENT', 'key export is missing a component');
  }
  return Buffer.from(value, 'base64url');
}

function leftPad(bytes: Buffer, length: number): Buffer {
  if (bytes.length >= length) return bytes;
  return Buffer.concat([Buffer.alloc(length - bytes.length), bytes]);
}

function bitLength(magnitude: Buffer): number {
  if (magnitude.length === 0) return 0;
  return (magnitude.length - 1) * 8 + (32 - Math.clz32(magnitude[0] as number));
}
