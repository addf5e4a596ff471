/**
 * SSH wire encoding (RFC 4251 §5), the data types every other file in this folder is built from.
 *
 *   byte      1 octet
 *   uint32    4 octets, big-endian
 *   uint64    8 octets, big-endian
 *   string    uint32 length N, then N octets (arbitrary bytes, not NUL-terminated)
 *   mpint     string holding a two's-complement big-endian integer, minimal length: a positive
 *             number whose top bit is set gets one leading 0x00; zero is the empty string
 *   name-list string of comma-separated names (not used here)
 *
 * Reading is defensive: every read checks the bytes are there *before* it slices (a length prefix
 * of 0xFFFFFFFF costs nothing), and every failure is a `CertificateError('MALFORMED')` whose
 * `offset` is the absolute byte position, in the outermost blob, of the field that failed — also
 * for readers over nested strings (`readNested`).
 */
import { CertificateError } from '../certificate-error.ts';

const UINT32_MAX = 0xffff_ffff;
const UINT64_MAX = 0xffff_ffff_ffff_ffffn;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads SSH wire data from a buffer, tracking the absolute offset for error reports.
 *
 * @example
 *   const r = new SshWireReader(blob);
 *   const algorithm = r.readUtf8('key type');
 *   const key = r.readString('public key');
 *   r.expectEnd('public key blob');
 */
export class SshWireReader {
  readonly #buf: Buffer;
  readonly #base: number;
  #pos = 0;

  /** `baseOffset` is where `buf[0]` sits in the outermost blob (used only in error offsets). */
  constructor(buf: Buffer, baseOffset = 0) {
    this.#buf = buf;
    this.#base = baseOffset;
  }

  /** Absolute offset of the next byte to be read. */
  get offset(): number {
    return this.#base + this.#pos;
  }

  /** Bytes left in this reader. */
  get remaining(): number {
    return this.#buf.length - this.#pos;
  }

  /** True when every byte has been consumed. */
  atEnd(): boolean {
    return this.#pos === this.#buf.length;
  }

  /** Throws MALFORMED unless every byte has been consumed (trailing bytes are an error). */
  expectEnd(what = 'data'): void {
    if (!this.atEnd()) {
      throw malformed(`${this.remaining} trailing byte(s) after ${what}`, this.offset);
    }
  }

  /** The next `n` bytes, unchanged. */
  readRaw(n: number, what = 'bytes'): Buffer {
    if (!Number.isSafeInteger(n) || n < 0 || n > this.remaining) {
      throw malformed(`${what} truncated: need ${n} byte(s), have ${this.remaining}`, this.offset);
    }
    const out = this.#buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }

  readByte(what = 'byte'): number {
    return this.readRaw(1, what)[0] as number;
  }

  readUint32(what = 'uint32'): number {
    return this.readRaw(4, what).readUInt32BE(0);
  }

  readUint64(what = 'uint64'): bigint {
    return this.readRaw(8, what).readBigUInt64BE(0);
  }

  /** A `string` field as raw bytes. */
  readString(what = 'string'): Buffer {
    const start = this.offset;
    if (this.remaining < 4) {
      throw malformed(`${what} truncated: no room for its length`, start);
    }
    const length = this.#buf.readUInt32BE(this.#pos);
    if (length > this.remaining - 4) {
      throw malformed(
        `${what} truncated: length ${length} but only ${this.remaining - 4} byte(s) left`,
        start,
      );
    }
    this.#pos += 4;
    return this.readRaw(length, what);
  }

  /** A `string` field that must be valid UTF-8 text. */
  readUtf8(what = 'string'): string {
    const start = this.offset;
    const bytes = this.readString(what);
    try {
      return utf8.decode(bytes);
    } catch (cause) {
      throw new CertificateError('MALFORMED', `${what} is not valid UTF-8`, {
        offset: start,
        cause,
      });
    }
  }

  /**
   * A non-negative `mpint`, returned as its unsigned big-endian magnitude without leading zeros
   * (zero is an empty buffer). Negative numbers are MALFORMED.
   */
  readMpint(what = 'mpint'): Buffer {
    const start = this.offset;
    const bytes = this.readString(what);
    if (bytes.length > 0 && ((bytes[0] as number) & 0x80) !== 0) {
      throw malformed(`${what} is negative`, start);
    }
    let i = 0;
    while (i < bytes.length && bytes[i] === 0) i++;
    return bytes.subarray(i);
  }

  /** Reads a `string` field and returns a reader over its contents (offsets stay absolute). */
  readNested(what = 'string'): SshWireReader {
    const start = this.offset;
    const bytes = this.readString(what);
    return new SshWireReader(bytes, start + 4);
  }
}

/**
 * Builds SSH wire data.
 *
 * @example
 *   const blob = new SshWireWriter().writeString('ssh-ed25519').writeString(rawKey).toBuffer();
 */
export class SshWireWriter {
  readonly #chunks: Buffer[] = [];
  #length = 0;

  /** Total bytes written so far. */
  get length(): number {
    return this.#length;
  }

  writeRaw(bytes: Uint8Array): this {
    const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#chunks.push(Buffer.from(b));
    this.#length += b.length;
    return this;
  }

  writeByte(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xff) {
      throw invalid(`byte out of range: ${value}`);
    }
    return this.writeRaw(Buffer.of(value));
  }

  writeUint32(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > UINT32_MAX) {
      throw invalid(`uint32 out of range: ${value}`);
    }
    const b = Buffer.alloc(4);
    b.writeUInt32BE(value, 0);
    return this.writeRaw(b);
  }

  writeUint64(value: bigint): this {
    if (value < 0n || value > UINT64_MAX) {
      throw invalid(`uint64 out of range: ${value}`);
    }
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(value, 0);
    return this.writeRaw(b);
  }

  /** A `string` field; text is encoded as UTF-8. */
  writeString(value: Uint8Array | string): this {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    this.writeUint32(bytes.byteLength);
    return this.writeRaw(bytes);
  }

  /** A non-negative `mpint` from an unsigned big-endian magnitude (leading zeros are dropped). */
  writeMpint(magnitude: Uint8Array): this {
    let i = 0;
    while (i < magnitude.length && magnitude[i] === 0) i++;
    const trimmed = Buffer.from(magnitude.subarray(i));
    const needsPad = trimmed.length > 0 && ((trimmed[0] as number) & 0x80) !== 0;
    return this.writeString(needsPad ? Buffer.concat([Buffer.of(0), trimmed]) : trimmed);
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.#chunks, this.#length);
  }
}

function malformed(message: string, offset: number): CertificateError {
  return new CertificateError('MALFORMED', message, { offset });
}

function invalid(message: string): CertificateError {
  return new CertificateError('INVALID_ARGUMENT', message);
}
