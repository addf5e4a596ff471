/**
 * The three encodings of an ECDSA signature (r, s) that meet in an SSH stack:
 *
 *   SSH (RFC 5656 §3.1.2)   mpint r, mpint s     — the contents of the signature string in an
 *                                                  SSH signature blob
 *   DER (RFC 3279 §2.2.3)   SEQUENCE { INTEGER r, INTEGER s }
 *                                                — what node:crypto, OpenSSL and ssh2's
 *                                                  `sign()` produce by default
 *   IEEE P1363              r || s, each left-padded to the curve's byte size
 *                                                — node:crypto with `dsaEncoding: 'ieee-p1363'`
 *
 * ssh2 converts DER to SSH only for plain ecdsa key types, so a client presenting an ECDSA
 * *certificate* must convert its own signatures (`ecdsaDerToSshSignature`); see
 * toolchain-notes §2b.
 */
import { CertificateError } from '../certificate-error.ts';
import { SshWireReader, SshWireWriter } from './ssh-wire.ts';

/** r and s of P-521 are at most 66 bytes; anything longer is not an ECDSA signature we make. */
const MAX_SCALAR_BYTES = 66;

/**
 * Converts a DER ECDSA signature into the SSH form `mpint r, mpint s`.
 *
 * @example
 *   const der = sign('sha256', data, ecPrivateKey);
 *   const sshSig = ecdsaDerToSshSignature(der); // put inside `string "ecdsa-sha2-nistp256", string sshSig`
 */
export function ecdsaDerToSshSignature(der: Buffer): Buffer {
  const d = new DerReader(der);
  const body = d.readTlv(0x30, 'SEQUENCE');
  d.expectEnd();
  const inner = new DerReader(body.bytes, body.offset);
  const r = inner.readInteger('r');
  const s = inner.readInteger('s');
  inner.expectEnd();
  return new SshWireWriter().writeMpint(r).writeMpint(s).toBuffer();
}

/**
 * Converts the SSH form `mpint r, mpint s` into a DER ECDSA signature.
 *
 * @example
 *   verify('sha256', data, ecPublicKey, ecdsaSshSignatureToDer(sshSig)) // true
 */
export function ecdsaSshSignatureToDer(sshSignature: Buffer): Buffer {
  const { r, s } = readSshScalars(sshSignature, 0);
  const body = Buffer.concat([derInteger(r), derInteger(s)]);
  return Buffer.concat([Buffer.of(0x30), derLength(body.length), body]);
}

/** SSH `mpint r, mpint s` → IEEE P1363 `r || s` for a curve of `size` bytes. @internal */
export function ecdsaSshSignatureToP1363(
  sshSignature: Buffer,
  size: number,
  offset: number,
): Buffer {
  const { r, s } = readSshScalars(sshSignature, offset);
  if (r.length > size || s.length > size) {
    throw new CertificateError('BAD_SIGNATURE', 'ECDSA r or s is larger than the curve order', {
      offset,
    });
  }
  const out = Buffer.alloc(2 * size);
  r.copy(out, size - r.length);
  s.copy(out, 2 * size - s.length);
  return out;
}

/** IEEE P1363 `r || s` → SSH `mpint r, mpint s`. @internal */
export function ecdsaP1363ToSshSignature(p1363: Buffer): Buffer {
  const half = p1363.length / 2;
  return new SshWireWriter()
    .writeMpint(p1363.subarray(0, half))
    .writeMpint(p1363.subarray(half))
    .toBuffer();
}

function readSshScalars(sshSignature: Buffer, offset: number): { r: Buffer; s: Buffer } {
  const w = new SshWireReader(sshSignature, offset);
  const r = w.readMpint('ECDSA r');
  const s = w.readMpint('ECDSA s');
  w.expectEnd('ECDSA signature');
  if (r.length > MAX_SCALAR_BYTES || s.length > MAX_SCALAR_BYTES) {
    throw new CertificateError('MALFORMED', 'ECDSA r or s is too large', { offset });
  }
  return { r, s };
}

function derInteger(magnitude: Buffer): Buffer {
  const content =
    magnitude.length === 0
      ? Buffer.of(0)
      : ((magnitude[0] as number) & 0x80) !== 0
        ? Buffer.concat([Buffer.of(0), magnitude])
        : magnitude;
  return Buffer.concat([Buffer.of(0x02), derLength(content.length), content]);
}

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.of(n);
  if (n <= 0xff) return Buffer.of(0x81, n);
  return Buffer.of(0x82, n >> 8, n & 0xff);
}

/** Minimal strict DER reader: definite lengths only, at most two length bytes. */
class DerReader {
  readonly #buf: Buffer;
  readonly #base: number;
  #pos = 0;

  constructor(buf: Buffer, base = 0) {
    this.#buf = buf;
    this.#base = base;
  }

  readTlv(tag: number, what: string): { bytes: Buffer; offset: number } {
    const start = this.#base + this.#pos;
    const fail = (why: string): CertificateError =>
      new CertificateError('MALFORMED', `DER ${what}: ${why}`, { offset: start });
    if (this.#buf[this.#pos] !== tag) throw fail(`expected tag 0x${tag.toString(16)}`);
    const first = this.#buf[this.#pos + 1];
    if (first === undefined) throw fail('truncated');
    let length: number;
    let header: number;
    if (first < 0x80) {
      length = first;
      header = 2;
    } else if (first === 0x81 || first === 0x82) {
      const count = first & 0x7f;
      if (this.#pos + 2 + count > this.#buf.length) throw fail('truncated');
      length = this.#buf.readUIntBE(this.#pos + 2, count);
      if (length < (count === 1 ? 0x80 : 0x100)) throw fail('non-minimal length');
      header = 2 + count;
    } else {
      throw fail('unsupported length form');
    }
    const contentStart = this.#pos + header;
    if (contentStart + length > this.#buf.length) throw fail('truncated');
    this.#pos = contentStart + length;
    return {
      bytes: this.#buf.subarray(contentStart, contentStart + length),
      offset: this.#base + contentStart,
    };
  }

  /** A non-negative INTEGER as its magnitude without leading zeros. */
  readInteger(what: string): Buffer {
    const { bytes, offset } = this.readTlv(0x02, `INTEGER ${what}`);
    if (bytes.length === 0 || ((bytes[0] as number) & 0x80) !== 0) {
      throw new CertificateError('MALFORMED', `DER INTEGER ${what} is empty or negative`, {
        offset,
      });
    }
    let i = 0;
    while (i < bytes.length && bytes[i] === 0) i++;
    return bytes.subarray(i);
  }

  expectEnd(): void {
    if (this.#pos !== this.#buf.length) {
      throw new CertificateError('MALFORMED', 'trailing bytes after DER value', {
        offset: this.#base + this.#pos,
      });
    }
  }
}
