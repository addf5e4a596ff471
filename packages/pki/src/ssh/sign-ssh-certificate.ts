/**
 * Issuing OpenSSH certificates — the equivalent of
 *
 *   ssh-keygen -s ca -I <keyId> -n <principals> -V <after>:<before> -z <serial> [-h] [-O ...] key.pub
 *
 * (format: see `ssh-certificate.ts`). Defaults follow ssh-keygen: a user certificate gets the five
 * `permit-*` extensions below, a host certificate none; a 32-byte random nonce; no critical
 * options. An RSA CA signs with rsa-sha2-512 (or rsa-sha2-256 on request), never SHA-1.
 *
 * Unlike ssh-keygen, an empty principal list is refused: OpenSSH reads it as "any principal" for
 * host certificates, which is never what a Burrow CA means.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { CertificateError } from '../certificate-error.ts';
import {
  encodeSshCertificateBody,
  parseSshCertificate,
  type SshCertificate,
  type SshCertificateType,
} from './ssh-certificate.ts';
import type { SshRsaSignatureAlgorithm } from './ssh-key-algorithm.ts';
import { decodeSshPublicKey, encodeSshPublicKey } from './ssh-public-key.ts';
import { signSshData } from './ssh-signature.ts';
import { SshWireWriter } from './ssh-wire.ts';

/**
 * The extensions `ssh-keygen` puts in a user certificate unless told otherwise (all flags).
 *
 * @example
 *   signSshCertificate({ ...opts, extensions: { ...DEFAULT_SSH_USER_CERTIFICATE_EXTENSIONS, 'no-touch-required': '' } });
 */
export const DEFAULT_SSH_USER_CERTIFICATE_EXTENSIONS: Readonly<Record<string, string>> =
  Object.freeze({
    'permit-X11-forwarding': '',
    'permit-agent-forwarding': '',
    'permit-port-forwarding': '',
    'permit-pty': '',
    'permit-user-rc': '',
  });

/** What to put in a certificate, and who signs it. */
export interface SignSshCertificateOptions {
  /** The CA's private key (ed25519, ECDSA or RSA). */
  readonly caPrivateKey: KeyObject;
  /** The subject key: an SSH public key blob or a node:crypto key. */
  readonly publicKey: Buffer | KeyObject;
  readonly type: SshCertificateType;
  readonly keyId: string;
  /** 0 .. 2^64-1. */
  readonly serial: bigint | number;
  /** At least one; a user certificate's principals are user names, a host's are host names. */
  readonly principals: readonly string[];
  /** A Date (second precision) or seconds since the epoch. */
  readonly validAfter: Date | bigint;
  /** A Date or seconds since the epoch (`SSH_CERTIFICATE_VALID_FOREVER` for no expiry). */
  readonly validBefore: Date | bigint;
  /** Name → value ('' for a flag). Default none. */
  readonly criticalOptions?: Readonly<Record<string, string>>;
  /** Name → value ('' for a flag). Default: the ssh-keygen user extensions for user certs, none for host certs. */
  readonly extensions?: Readonly<Record<string, string>>;
  /** RSA CA keys only. Default `rsa-sha2-512`. */
  readonly rsaSignatureAlgorithm?: SshRsaSignatureAlgorithm;
  /** Comment for the `*-cert.pub` line. */
  readonly comment?: string;
}

/**
 * Signs an OpenSSH certificate and returns it parsed (write it with `formatSshCertificateLine`).
 *
 * @example
 *   const cert = signSshCertificate({
 *     caPrivateKey: ca.privateKey, publicKey: gateway.publicKeyBlob, type: 'user',
 *     keyId: 'client-relay-1', serial: 1n, principals: [gatewayId, gatewayName],
 *     validAfter: new Date(), validBefore: new Date(Date.now() + 86_400_000),
 *   });
 *   writeFileSync('gateway-cert.pub', formatSshCertificateLine(cert) + '\n');
 */
export function signSshCertificate(options: SignSshCertificateOptions): SshCertificate {
  const { caPrivateKey, type, keyId, principals } = options;
  if (type !== 'user' && type !== 'host') {
    throw invalid(`certificate type must be 'user' or 'host', not ${JSON.stringify(type)}`);
  }
  if (typeof keyId !== 'string') throw invalid('keyId must be a string');
  if (!Array.isArray(principals) || principals.length === 0) {
    throw invalid('principals must be a non-empty list (an empty list means "anyone" to OpenSSH)');
  }
  for (const p of principals) {
    if (typeof p !== 'string' || p === '')
      throw invalid('every principal must be a non-empty string');
  }
  const serial = toSerial(options.serial);
  const validAfter = toSeconds(options.validAfter, 'validAfter');
  const validBefore = toSeconds(options.validBefore, 'validBefore');
  if (validBefore <= validAfter) throw invalid('validBefore must be later than validAfter');

  const publicKeyBlob = Buffer.isBuffer(options.publicKey)
    ? decodeSshPublicKey(options.publicKey).blob
    : encodeSshPublicKey(options.publicKey);
  if (caPrivateKey?.type !== 'private') throw invalid('caPrivateKey must be a private KeyObject');

  const signedBytes = encodeSshCertificateBody({
    publicKeyBlob,
    nonce: randomBytes(32),
    serial,
    type,
    keyId,
    principals,
    validAfter,
    validBefore,
    criticalOptions: options.criticalOptions ?? {},
    extensions:
      options.extensions ?? (type === 'user' ? DEFAULT_SSH_USER_CERTIFICATE_EXTENSIONS : {}),
    signatureKeyBlob: encodeSshPublicKey(caPrivateKey),
  });
  const signature = signSshData(caPrivateKey, signedBytes, {
    rsaAlgorithm: options.rsaSignatureAlgorithm ?? 'rsa-sha2-512',
  });
  const blob = Buffer.concat([signedBytes, new SshWireWriter().writeString(signature).toBuffer()]);
  return { ...parseSshCertificate(blob), comment: options.comment ?? '' };
}

function toSerial(value: bigint | number): bigint {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw invalid(`bad serial ${value}`);
    return BigInt(value);
  }
  if (typeof value !== 'bigint' || value < 0n || value > 0xffff_ffff_ffff_ffffn) {
    throw invalid(`serial must be in 0..2^64-1`);
  }
  return value;
}

function toSeconds(value: Date | bigint, what: string): bigint {
  if (typeof value === 'bigint') {
    if (value < 0n || value > 0xffff_ffff_ffff_ffffn) throw invalid(`${what} out of range`);
    return value;
  }
  if (!(value instanceof Date) || Number.isNaN(value.getTime()) || value.getTime() < 0) {
    throw invalid(`${what} must be a valid Date after 1970 or seconds as a bigint`);
  }
  return BigInt(Math.floor(value.getTime() / 1000));
}

function invalid(message: string): CertificateError {
  return new CertificateError('INVALID_ARGUMENT', message);
}
