/**
 * SSH signatures (RFC 4253 §6.6, RFC 5656 §3.1.2, RFC 8332 §3, RFC 8709 §6).
 *
 *   signature blob:  string algorithm     "ssh-ed25519" | "ecdsa-sha2-nistpN" | "rsa-sha2-256" | "rsa-sha2-512"
 *                    string signature     ssh-ed25519:        64 bytes (RFC 8032)
 *                                         ecdsa-sha2-nistpN:  mpint r, mpint s   (hash: SHA-256/384/512
 *                                                             for N = 256/384/521)
 *                                         rsa-sha2-256/512:   RSASSA-PKCS1-v1_5, modulus length
 *
 * Two framings reach a relay (toolchain-notes §2b): OpenSSH clients' auth signatures arrive
 * *wrapped* (the blob above), ssh2 clients' arrive *raw* (only the inner `signature` bytes,
 * because ssh2's server strips the wrapper when the names match). `verifySshSignature` accepts
 * both; for a raw RSA signature the caller must say which hash was used (`rawAlgorithm`).
 *
 * `ssh-rsa` (RSA with SHA-1) is refused with UNSUPPORTED_ALGORITHM, as OpenSSH ≥ 8.8 does.
 */
import { constants, sign, verify, type KeyObject } from 'node:crypto';
import { CertificateError } from '../certificate-error.ts';
import { ecdsaP1363ToSshSignature, ecdsaSshSignatureToP1363 } from './ecdsa-signature-encoding.ts';
import {
  ecdsaCurveOf,
  isKnownSignatureAlgorithmName,
  signatureAlgorithmsFor,
  type SshRsaSignatureAlgorithm,
  type SshSignatureAlgorithm,
} from './ssh-key-algorithm.ts';
import { decodeSshPublicKey, encodeSshPublicKey, type SshPublicKey } from './ssh-public-key.ts';
import { SshWireReader, SshWireWriter } from './ssh-wire.ts';

/** A signature blob split into its two fields. */
export interface SshSignature {
  /** The algorithm name as written (not necessarily one we support). */
  readonly algorithm: string;
  /** The algorithm-specific signature bytes. */
  readonly signature: Buffer;
}

/** Options for `signSshData`. */
export interface SignSshDataOptions {
  /** RSA keys only: which SHA-2 variant to use. Default `rsa-sha2-512`. */
  readonly rsaAlgorithm?: SshRsaSignatureAlgorithm;
}

/** Options for `verifySshSignature`. */
export interface VerifySshSignatureOptions {
  /**
   * The algorithm of a *raw* (unwrapped) signature. Needed only for RSA keys (ed25519 and ECDSA
   * keys have exactly one); ignored for wrapped signatures, whose own name is checked instead.
   */
  readonly rawAlgorithm?: SshSignatureAlgorithm;
}

/**
 * Splits a wrapped signature blob `string algorithm, string signature`; trailing bytes are
 * MALFORMED. `baseOffset` places the blob inside a bigger one for error offsets.
 *
 * @example
 *   parseSshSignature(blob) // { algorithm: 'rsa-sha2-512', signature: <Buffer ...> }
 */
export function parseSshSignature(blob: Buffer, baseOffset = 0): SshSignature {
  const r = new SshWireReader(blob, baseOffset);
  const algorithm = r.readUtf8('signature algorithm');
  const signature = r.readString('signature');
  r.expectEnd('signature');
  return { algorithm, signature };
}

/**
 * Signs `data` with a node:crypto private key and returns the wrapped SSH signature blob.
 *
 * @example
 *   const sig = signSshData(pair.privateKey, data); // string "ssh-ed25519", string <64 bytes>
 *   verifySshSignature(pair.publicKeyBlob, data, sig);
 */
export function signSshData(
  privateKey: KeyObject,
  data: Buffer,
  options: SignSshDataOptions = {},
): Buffer {
  if (privateKey.type !== 'private') {
    throw new CertificateError('INVALID_ARGUMENT', 'signing needs a private key');
  }
  const { algorithm } = decodeSshPublicKey(encodeSshPublicKey(privateKey));
  const w = new SshWireWriter();
  if (algorithm === 'ssh-ed25519') {
    return w
      .writeString(algorithm)
      .writeString(sign(null, data, privateKey))
      .toBuffer();
  }
  if (algorithm === 'ssh-rsa') {
    const rsaAlgorithm = options.rsaAlgorithm ?? 'rsa-sha2-512';
    if (rsaAlgorithm !== 'rsa-sha2-256' && rsaAlgorithm !== 'rsa-sha2-512') {
      throw new CertificateError(
        'INVALID_ARGUMENT',
        `RSA signatures use rsa-sha2-256 or rsa-sha2-512, not ${String(rsaAlgorithm)}`,
      );
    }
    const sig = sign(rsaHash(rsaAlgorithm), data, {
      key: privateKey,
      padding: constants.RSA_PKCS1_PADDING,
    });
    return w.writeString(rsaAlgorithm).writeString(sig).toBuffer();
  }
  const curve = ecdsaCurveOf(algorithm);
  if (curve === undefined) {
    throw new CertificateError('UNSUPPORTED_ALGORITHM', `cannot sign with ${algorithm}`);
  }
  const p1363 = sign(curve.hash, data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return w.writeString(algorithm).writeString(ecdsaP1363ToSshSignature(p1363)).toBuffer();
}

/**
 * Verifies an SSH signature over `data` with the public key blob `publicKeyBlob`. `signature` may
 * be wrapped (`string algorithm, string sig`, as OpenSSH sends it) or raw (as ssh2's server
 * passes on an ssh2 client's signature). Returns normally when valid; otherwise throws
 * BAD_SIGNATURE (wrong key, wrong data, tampered, algorithm not matching the key),
 * UNSUPPORTED_ALGORITHM (e.g. SHA-1 `ssh-rsa`) or MALFORMED (unreadable key).
 *
 * For a certificate login, pass the certificate's *subject* key (`parseSshCertificate(blob)
 * .publicKeyBlob`), after verifying the certificate itself.
 *
 * @example
 *   // ssh2 server auth handler, ctx.method === 'publickey' && ctx.signature:
 *   verifySshSignature(cert.publicKeyBlob, ctx.blob, ctx.signature, { rawAlgorithm: 'rsa-sha2-512' });
 */
export function verifySshSignature(
  publicKeyBlob: Buffer,
  data: Buffer,
  signature: Buffer,
  options: VerifySshSignatureOptions = {},
): void {
  const key = decodeSshPublicKey(publicKeyBlob);
  const wrapped = tryParseWrapped(signature);
  if (wrapped !== undefined) {
    verifySshSignatureWithKey(key, data, wrapped, 0);
    return;
  }
  const allowed = signatureAlgorithmsFor(key.algorithm);
  let algorithm: string;
  if (allowed.length === 1) {
    algorithm = allowed[0] as SshSignatureAlgorithm;
  } else if (options.rawAlgorithm !== undefined) {
    algorithm = options.rawAlgorithm;
  } else {
    throw new CertificateError(
      'UNSUPPORTED_ALGORITHM',
      `a raw ${key.algorithm} signature needs rawAlgorithm (${allowed.join(' or ')})`,
    );
  }
  verifySshSignatureWithKey(key, data, { algorithm, signature }, 0);
}

/**
 * Verifies a parsed signature with a decoded key. `offset` locates the signature in its blob for
 * error reports. @internal
 */
export function verifySshSignatureWithKey(
  key: SshPublicKey,
  data: Buffer,
  sig: SshSignature,
  offset: number,
): void {
  if (sig.algorithm === 'ssh-rsa') {
    throw new CertificateError(
      'UNSUPPORTED_ALGORITHM',
      'ssh-rsa (RSA with SHA-1) signatures are refused; use rsa-sha2-256 or rsa-sha2-512',
      { offset },
    );
  }
  if (!isKnownSignatureAlgorithmName(sig.algorithm)) {
    throw new CertificateError(
      'UNSUPPORTED_ALGORITHM',
      `unsupported signature algorithm ${JSON.stringify(sig.algorithm)}`,
      { offset },
    );
  }
  const allowed: readonly string[] = signatureAlgorithmsFor(key.algorithm);
  if (!allowed.includes(sig.algorithm)) {
    throw new CertificateError(
      'BAD_SIGNATURE',
      `a ${sig.algorithm} signature cannot come from a ${key.algorithm} key`,
      { offset },
    );
  }
  let ok: boolean;
  try {
    ok = checkSignature(key, data, sig, offset);
  } catch (cause) {
    // An unreadable signature (bad ECDSA mpints, r or s out of range, ...) simply does not verify.
    throw new CertificateError('BAD_SIGNATURE', 'signature could not be checked', {
      offset,
      cause,
    });
  }
  if (!ok) {
    throw new CertificateError('BAD_SIGNATURE', `${sig.algorithm} signature does not verify`, {
      offset,
    });
  }
}

function checkSignature(
  key: SshPublicKey,
  data: Buffer,
  sig: SshSignature,
  offset: number,
): boolean {
  if (key.algorithm === 'ssh-ed25519') {
    return sig.signature.length === 64 && verify(null, data, key.key, sig.signature);
  }
  if (key.algorithm === 'ssh-rsa') {
    const modulusBytes = Math.ceil((key.key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
    if (sig.signature.length > modulusBytes) return false;
    // OpenSSH accepts (and some signers emit) signatures shorter than the modulus: left-pad.
    const padded = Buffer.alloc(modulusBytes);
    sig.signature.copy(padded, modulusBytes - sig.signature.length);
    return verify(
      rsaHash(sig.algorithm as SshRsaSignatureAlgorithm),
      data,
      { key: key.key, padding: constants.RSA_PKCS1_PADDING },
      padded,
    );
  }
  const curve = ecdsaCurveOf(key.algorithm);
  if (curve === undefined) return false;
  const p1363 = ecdsaSshSignatureToP1363(sig.signature, curve.coordinateBytes, offset);
  return verify(curve.hash, data, { key: key.key, dsaEncoding: 'ieee-p1363' }, p1363);
}

function rsaHash(algorithm: SshRsaSignatureAlgorithm): 'sha256' | 'sha512' {
  return algorithm === 'rsa-sha2-256' ? 'sha256' : 'sha512';
}

/** The wrapped form if `signature` is exactly one, else undefined (it is then raw). */
function tryParseWrapped(signature: Buffer): SshSignature | undefined {
  try {
    const parsed = parseSshSignature(signature);
    return isKnownSignatureAlgorithmName(parsed.algorithm) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
