/**
 * OpenSSH certificates (`PROTOCOL.certkeys`, v01): the data model, the parser and the encoder.
 * Signing is `sign-ssh-certificate.ts`, checking is `verify-ssh-certificate.ts`.
 *
 * Why not sshpk: its OpenSSH certificate writer (`lib/formats/openssh-cert.js`, `sign()`) hashes
 * with SHA-1 whenever the CA key is RSA, and `signAsync()` rejects any RSA signer whose hash is not
 * SHA-1, so it can only produce `ssh-rsa` CA signatures — which OpenSSH ≥ 8.8 refuses by default
 * (CASignatureAlgorithms). It also reports malformed input as untyped errors without offsets.
 * So this is written directly on node:crypto.
 *
 *   string    "<key type>-cert-v01@openssh.com"
 *   string    nonce                      random, ≥ 16 bytes (we write 32), defeats chosen-prefix attacks
 *   ...       public key fields          ssh-ed25519: string pk
 *                                        ecdsa-sha2-nistpN: string curve, string Q
 *                                        ssh-rsa: mpint e, mpint n
 *   uint64    serial
 *   uint32    type                       1 = user (SSH2_CERT_TYPE_USER), 2 = host
 *   string    key id                     free text, logged by sshd; Burrow binds it to the relay
 *   string    valid principals           a sequence of `string principal`
 *   uint64    valid after                seconds since the epoch; valid when after <= now < before
 *   uint64    valid before               0xFFFFFFFFFFFFFFFF = forever
 *   string    critical options           a sequence of `string name, string data`, where data is
 *   string    extensions                 empty (a flag) or `string value`; names lexically ordered,
 *                                        each at most once
 *   string    reserved                   empty today
 *   string    signature key              the CA public key blob
 *   string    signature                  `string algorithm, string sig` by the CA over every
 *                                        preceding byte of the certificate
 *
 * The text form (`*-cert.pub`) is the usual key line: `<certificate type> <base64(blob)> [comment]`.
 *
 * Parsing never trusts a length: truncation, oversized length prefixes, trailing bytes (after the
 * signature or inside any nested field), duplicate option names and invalid keys are
 * `CertificateError('MALFORMED')` with the byte offset in the blob; types we do not handle are
 * UNSUPPORTED_ALGORITHM.
 */
import type { KeyObject } from 'node:crypto';
import { CertificateError } from '../certificate-error.ts';
import {
  isSshPublicKeyAlgorithm,
  keyAlgorithmOfCertificate,
  type SshCertificateAlgorithm,
  type SshPublicKeyAlgorithm,
} from './ssh-key-algorithm.ts';
import { joinSshKeyLine, splitSshKeyLine } from './ssh-key-line.ts';
import { decodeSshPublicKey, readSshPublicKeyFields } from './ssh-public-key.ts';
import { parseSshSignature } from './ssh-signature.ts';
import { SshWireReader, SshWireWriter } from './ssh-wire.ts';

/**
 * `valid before` of a certificate that never expires.
 *
 * @example
 *   if (cert.validBefore === SSH_CERTIFICATE_VALID_FOREVER) log.warn('certificate never expires');
 */
export const SSH_CERTIFICATE_VALID_FOREVER = 0xffff_ffff_ffff_ffffn;

/** User certificates authenticate a user to a server; host certificates a server to a client. */
export type SshCertificateType = 'user' | 'host';

/** Every field of an OpenSSH certificate, plus the bytes it was read from. */
export interface SshCertificate {
  /** The certificate type name, e.g. `ssh-ed25519-cert-v01@openssh.com`. */
  readonly algorithm: SshCertificateAlgorithm;
  readonly nonce: Buffer;
  /** The subject key's type, e.g. `ssh-ed25519`. */
  readonly publicKeyAlgorithm: SshPublicKeyAlgorithm;
  /** The subject public key as a plain key blob (what the holder signs with). */
  readonly publicKeyBlob: Buffer;
  /** The subject public key for node:crypto. */
  readonly publicKey: KeyObject;
  readonly serial: bigint;
  readonly type: SshCertificateType;
  readonly keyId: string;
  readonly principals: readonly string[];
  /** Seconds since the epoch. */
  readonly validAfter: bigint;
  /** Seconds since the epoch; `SSH_CERTIFICATE_VALID_FOREVER` for no expiry. */
  readonly validBefore: bigint;
  /** Name → value; flags have the value ''. */
  readonly criticalOptions: Readonly<Record<string, string>>;
  /** Name → value; flags (all the `permit-*` ones) have the value ''. */
  readonly extensions: Readonly<Record<string, string>>;
  readonly reserved: Buffer;
  /** The CA public key blob, compared byte for byte against trusted CA keys. */
  readonly signatureKeyBlob: Buffer;
  /** The CA key's type. */
  readonly signatureKeyAlgorithm: SshPublicKeyAlgorithm;
  /** The wrapped signature blob `string algorithm, string sig`. */
  readonly signature: Buffer;
  /** The signature's algorithm name, e.g. `rsa-sha2-512`. */
  readonly signatureAlgorithm: string;
  /** Every byte the CA signed (the blob up to the signature field). */
  readonly signedBytes: Buffer;
  /** The whole certificate blob. */
  readonly blob: Buffer;
  /** The comment of the line it was read from ('' for a blob). */
  readonly comment: string;
}

/** The fields that go into a certificate before it is signed. @internal */
export interface SshCertificateBody {
  readonly publicKeyBlob: Buffer;
  readonly nonce: Buffer;
  readonly serial: bigint;
  readonly type: SshCertificateType;
  readonly keyId: string;
  readonly principals: readonly string[];
  readonly validAfter: bigint;
  readonly validBefore: bigint;
  readonly criticalOptions: Readonly<Record<string, string>>;
  readonly extensions: Readonly<Record<string, string>>;
  readonly signatureKeyBlob: Buffer;
}

const TYPE_CODES: Record<SshCertificateType, number> = { user: 1, host: 2 };

/**
 * Parses an OpenSSH certificate from its `*-cert.pub` line (string, or a Buffer holding that
 * text) or from its raw blob (a Buffer). Checks structure only — use `verifySshCertificate` to
 * decide whether to trust it. Error offsets are byte positions in the blob, except for errors in
 * the line itself (bad base64, missing fields), which give the character position in the line.
 *
 * @example
 *   const cert = parseSshCertificate(readFileSync('gateway-cert.pub', 'utf8'));
 *   cert.keyId; cert.principals; cert.validBefore; sshFingerprint(cert.signatureKeyBlob);
 */
export function parseSshCertificate(lineOrBlob: string | Buffer): SshCertificate {
  if (typeof lineOrBlob === 'string') return parseLine(lineOrBlob);
  if (!Buffer.isBuffer(lineOrBlob)) {
    throw new CertificateError('INVALID_ARGUMENT', 'expected a certificate line or blob');
  }
  // A blob starts with the length of its type name (0x00 ...); text starts with a letter.
  if (lineOrBlob.length > 0 && lineOrBlob[0] !== 0) return parseLine(lineOrBlob.toString('utf8'));
  return parseBlob(Buffer.from(lineOrBlob), '');
}

/**
 * Formats a certificate as its `*-cert.pub` line: `<type> <base64> [comment]`.
 *
 * @example
 *   writeFileSync('gateway-cert.pub', formatSshCertificateLine(cert) + '\n');
 */
export function formatSshCertificateLine(cert: SshCertificate, comment?: string): string {
  return joinSshKeyLine(cert.algorithm, cert.blob, comment ?? cert.comment);
}

/**
 * Encodes every field before the signature (the bytes the CA signs). @internal
 */
export function encodeSshCertificateBody(body: SshCertificateBody): Buffer {
  const subject = new SshWireReader(body.publicKeyBlob);
  const subjectAlgorithm = subject.readUtf8('subject key type');
  if (!isSshPublicKeyAlgorithm(subjectAlgorithm)) {
    throw new CertificateError('UNSUPPORTED_ALGORITHM', `cannot certify a ${subjectAlgorithm} key`);
  }
  const w = new SshWireWriter()
    .writeString(`${subjectAlgorithm}-cert-v01@openssh.com`)
    .writeString(body.nonce)
    .writeRaw(subject.readRaw(subject.remaining))
    .writeUint64(body.serial)
    .writeUint32(TYPE_CODES[body.type])
    .writeString(body.keyId);
  const principals = new SshWireWriter();
  for (const p of body.principals) principals.writeString(p);
  return w
    .writeString(principals.toBuffer())
    .writeUint64(body.validAfter)
    .writeUint64(body.validBefore)
    .writeString(encodeOptions(body.criticalOptions))
    .writeString(encodeOptions(body.extensions))
    .writeString(Buffer.alloc(0))
    .writeString(body.signatureKeyBlob)
    .toBuffer();
}

function parseLine(text: string): SshCertificate {
  const { blob, comment } = splitSshKeyLine(text);
  return parseBlob(blob, comment);
}

function parseBlob(blob: Buffer, comment: string): SshCertificate {
  const r = new SshWireReader(blob);
  const nameOffset = r.offset;
  const name = r.readUtf8('certificate type');
  const publicKeyAlgorithm = keyAlgorithmOfCertificate(name, nameOffset);
  const nonce = r.readString('nonce');
  const subject = readSshPublicKeyFields(r, publicKeyAlgorithm);
  const serial = r.readUint64('serial');
  const typeOffset = r.offset;
  const typeCode = r.readUint32('certificate type code');
  const type: SshCertificateType | undefined =
    typeCode === 1 ? 'user' : typeCode === 2 ? 'host' : undefined;
  if (type === undefined) {
    throw new CertificateError('MALFORMED', `unknown certificate type code ${typeCode}`, {
      offset: typeOffset,
    });
  }
  const keyId = r.readUtf8('key id');
  const principalReader = r.readNested('valid principals');
  const principals: string[] = [];
  while (!principalReader.atEnd()) principals.push(principalReader.readUtf8('principal'));
  const validAfter = r.readUint64('valid after');
  const validBefore = r.readUint64('valid before');
  const criticalOptions = readOptions(r.readNested('critical options'), 'critical option');
  const extensions = readOptions(r.readNested('extensions'), 'extension');
  const reserved = r.readString('reserved');
  const caOffset = r.offset + 4;
  const signatureKeyBlob = r.readString('signature key');
  const ca = decodeSshPublicKey(signatureKeyBlob, caOffset);
  const signedBytes = blob.subarray(0, r.offset);
  const signatureOffset = r.offset + 4;
  const signature = r.readString('signature');
  const { algorithm: signatureAlgorithm } = parseSshSignature(signature, signatureOffset);
  r.expectEnd('certificate');
  return {
    algorithm: name as SshCertificateAlgorithm,
    nonce,
    publicKeyAlgorithm,
    publicKeyBlob: subject.blob,
    publicKey: subject.key,
    serial,
    type,
    keyId,
    principals,
    validAfter,
    validBefore,
    criticalOptions,
    extensions,
    reserved,
    signatureKeyBlob,
    signatureKeyAlgorithm: ca.algorithm,
    signature,
    signatureAlgorithm,
    signedBytes,
    blob,
    comment,
  };
}

function readOptions(r: SshWireReader, what: string): Record<string, string> {
  const entries: [string, string][] = [];
  const seen = new Set<string>();
  while (!r.atEnd()) {
    const nameOffset = r.offset;
    const name = r.readUtf8(`${what} name`);
    if (seen.has(name)) {
      throw new CertificateError('MALFORMED', `${what} ${JSON.stringify(name)} appears twice`, {
        offset: nameOffset,
      });
    }
    seen.add(name);
    const data = r.readNested(`${what} data`);
    let value = '';
    if (!data.atEnd()) {
      value = data.readUtf8(`${what} value`);
      data.expectEnd(`${what} value`);
    }
    entries.push([name, value]);
  }
  // fromEntries defines own properties, so a name like "__proto__" stays plain data.
  return Object.fromEntries(entries);
}

function encodeOptions(options: Readonly<Record<string, string>>): Buffer {
  const names = Object.keys(options).sort((a, b) =>
    Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')),
  );
  const w = new SshWireWriter();
  for (const name of names) {
    const value = options[name];
    if (name === '' || typeof value !== 'string') {
      throw new CertificateError(
        'INVALID_ARGUMENT',
        `option ${JSON.stringify(name)} needs a non-empty name and a string value`,
      );
    }
    w.writeString(name);
    w.writeString(
      value === '' ? Buffer.alloc(0) : new SshWireWriter().writeString(value).toBuffer(),
    );
  }
  return w.toBuffer();
}
