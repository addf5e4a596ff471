/**
 * PostgreSQL frontend/backend protocol 3.x framing: reading and writing messages.
 *
 * Wire contract (PostgreSQL docs, "Message Formats"):
 *
 *   startup phase, frontend only, untyped:   int32 length (including itself) ‖ int32 code ‖ body
 *       code 80877103 SSLRequest, 80877104 GSSENCRequest, 80877102 CancelRequest,
 *       (3 << 16 | minor) StartupMessage: pairs of NUL-terminated name/value strings, then NUL
 *   every other message, typed:              byte1 type ‖ int32 length (including itself) ‖ body
 *       strings are NUL-terminated UTF-8; integers are big-endian
 *
 * Limits: a startup packet may be at most {@link MAX_STARTUP_PACKET_BYTES} (the server's own
 * limit is 10 000). Typed messages are split by {@link PgMessageSplitter}: messages the gateway
 * inspects are buffered up to a limit, everything else (and inspected messages over the limit)
 * streams through chunk by chunk, so one caller or server can never make the gateway buffer more
 * than the limit. An inspected message over the limit is still seen whole in a bounded form: its
 * header first ('oversized'), then, once its last byte passed, its first bytes and the SHA-256
 * of its entire body ('oversized-end'), so a recorder can name exactly what went by.
 */
import { createHash, type Hash } from 'node:crypto';

/** The server rejects startup packets over 10 000 bytes; so does the gateway. */
export const MAX_STARTUP_PACKET_BYTES = 10_000;

/** A typed message declaring a length under 4 (its own length field) is a protocol violation. */
const TYPED_HEADER_BYTES = 5;

export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;
export const CANCEL_REQUEST_CODE = 80877102;
/** Protocol 3.0; minor versions (3.2, PostgreSQL 18) keep major 3 in the high 16 bits. */
export const PROTOCOL_VERSION_3_0 = 3 << 16;

/** A peer broke the framing rules; the connection cannot continue. */
export class PgProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PgProtocolError';
  }
}

/** A typed message the gateway looked at: its type byte and body (without type and length). */
export interface PgMessage {
  readonly type: string;
  readonly body: Buffer;
}

/** Encodes one typed message. */
export function encodeMessage(type: string, body: Buffer = Buffer.alloc(0)): Buffer {
  const out = Buffer.allocUnsafe(TYPED_HEADER_BYTES + body.length);
  out.write(type, 0, 1, 'latin1');
  out.writeInt32BE(body.length + 4, 1);
  body.copy(out, TYPED_HEADER_BYTES);
  return out;
}

/** Encodes an untyped startup-phase packet (code + body). */
export function encodeStartupPacket(code: number, body: Buffer = Buffer.alloc(0)): Buffer {
  const out = Buffer.allocUnsafe(8 + body.length);
  out.writeInt32BE(8 + body.length, 0);
  out.writeInt32BE(code, 4);
  body.copy(out, 8);
  return out;
}

/** A NUL-terminated UTF-8 string. */
export function cstring(text: string): Buffer {
  return Buffer.concat([Buffer.from(text, 'utf8'), Buffer.alloc(1)]);
}

export function int32(value: number): Buffer {
  const out = Buffer.allocUnsafe(4);
  out.writeInt32BE(value, 0);
  return out;
}

/**
 * Sequential reader of a message body. Every read checks bounds and throws PgProtocolError on a
 * short or malformed body, so a hostile peer gets a protocol error instead of garbage.
 */
export class BodyReader {
  private offset = 0;
  private readonly body: Buffer;

  constructor(body: Buffer) {
    this.body = body;
  }

  get remaining(): number {
    return this.body.length - this.offset;
  }

  int16(): number {
    this.need(2);
    const value = this.body.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  int32(): number {
    this.need(4);
    const value = this.body.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  uint32(): number {
    this.need(4);
    const value = this.body.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  bytes(length: number): Buffer {
    if (length < 0) throw new PgProtocolError('negative length in message');
    this.need(length);
    const value = this.body.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  cstring(): string {
    const end = this.body.indexOf(0, this.offset);
    if (end < 0) throw new PgProtocolError('unterminated string in message');
    const value = this.body.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return value;
  }

  rest(): Buffer {
    const value = this.body.subarray(this.offset);
    this.offset = this.body.length;
    return value;
  }

  private need(count: number): void {
    if (this.offset + count > this.body.length) {
      throw new PgProtocolError('message body shorter than its fields');
    }
  }
}

/** What the splitter hands out, in wire order. */
export type SplitterOutput =
  /** An inspected message, complete. `raw` is its exact bytes on the wire. */
  | { readonly kind: 'message'; readonly message: PgMessage; readonly raw: Buffer }
  /** Bytes of messages that are not inspected (or too large to be): forward them as they are. */
  | { readonly kind: 'bytes'; readonly bytes: Buffer }
  /** The header of an inspected-type message too large to buffer (its bytes follow as 'bytes'). */
  | { readonly kind: 'oversized'; readonly type: string; readonly length: number }
  /**
   * The end of that message: its body's first `maxInspectedBodyBytes` bytes and the SHA-256 (hex)
   * of its whole body. Comes right after the last of its 'bytes'.
   */
  | {
      readonly kind: 'oversized-end';
      readonly type: string;
      readonly length: number;
      readonly prefix: Buffer;
      readonly sha256: string;
    };

export interface PgMessageSplitterOptions {
  /** Type bytes whose messages are buffered and handed out whole. */
  readonly inspect: ReadonlySet<string>;
  /** Inspected messages with a body above this stream through as bytes instead. */
  readonly maxInspectedBodyBytes: number;
}

/**
 * Splits a typed-message byte stream. Feed it chunks with {@link push}; it returns what they
 * completed, in order. Bytes of uninspected messages are passed on without being copied into a
 * message buffer.
 *
 * @example
 *   const splitter = new PgMessageSplitter({ inspect: new Set(['Q']), maxInspectedBodyBytes: 1 << 20 });
 *   for (const item of splitter.push(chunk)) ...
 */
export class PgMessageSplitter {
  private readonly inspect: ReadonlySet<string>;
  private readonly maxInspectedBodyBytes: number;
  /** Partial header bytes (fewer than 5). */
  private header = Buffer.alloc(0);
  /** Body bytes still to come of the current message, or -1 between messages. */
  private bodyRemaining = -1;
  /** Buffered pieces of the current inspected message (header included), or undefined when streaming. */
  private pieces: Buffer[] | undefined;
  private currentType = '';
  /** An inspected message streaming through because it is over the limit. */
  private oversized:
    { length: number; hash: Hash; prefix: Buffer[]; prefixBytes: number } | undefined;

  constructor(options: PgMessageSplitterOptions) {
    this.inspect = options.inspect;
    this.maxInspectedBodyBytes = options.maxInspectedBodyBytes;
  }

  /** True between messages: nothing of a half-read message was passed on. */
  get atMessageBoundary(): boolean {
    return this.bodyRemaining < 0 && this.header.length === 0;
  }

  push(chunk: Buffer): SplitterOutput[] {
    const out: SplitterOutput[] = [];
    let offset = 0;
    let passStart = -1; // start of a run of pass-through bytes within this chunk
    const flushPass = (end: number): void => {
      if (passStart >= 0 && end > passStart) {
        out.push({ kind: 'bytes', bytes: chunk.subarray(passStart, end) });
      }
      passStart = -1;
    };
    while (offset < chunk.length) {
      if (this.bodyRemaining < 0) {
        // Reading a header.
        const need = TYPED_HEADER_BYTES - this.header.length;
        const take = Math.min(need, chunk.length - offset);
        const headerStartInChunk = this.header.length === 0 ? offset : -1;
        this.header = Buffer.concat([this.header, chunk.subarray(offset, offset + take)]);
        offset += take;
        if (this.header.length < TYPED_HEADER_BYTES) {
          // Header split across chunks: its bytes are held until the header is complete.
          flushPass(offset - take);
          break;
        }
        const type = String.fromCharCode(this.header[0]!);
        const length = this.header.readInt32BE(1);
        if (length < 4) {
          throw new PgProtocolError(`message ${JSON.stringify(type)} declares length ${length}`);
        }
        const bodyLength = length - 4;
        this.currentType = type;
        this.bodyRemaining = bodyLength;
        if (this.inspect.has(type) && bodyLength <= this.maxInspectedBodyBytes) {
          flushPass(headerStartInChunk >= 0 ? headerStartInChunk : offset - take);
          this.pieces = [this.header];
        } else {
          if (this.inspect.has(type)) {
            out.push({ kind: 'oversized', type, length: bodyLength });
            this.oversized = {
              length: bodyLength,
              hash: createHash('sha256'),
              prefix: [],
              prefixBytes: 0,
            };
          }
          this.pieces = undefined;
          if (headerStartInChunk >= 0) {
            if (passStart < 0) passStart = headerStartInChunk;
          } else {
            // The header began in an earlier chunk: forward it whole, then stream from here.
            flushPass(offset - take);
            out.push({ kind: 'bytes', bytes: this.header });
            passStart = offset;
          }
        }
        this.header = Buffer.alloc(0);
        if (bodyLength === 0) this.finishMessage(out);
        continue;
      }
      const take = Math.min(this.bodyRemaining, chunk.length - offset);
      if (this.pieces) {
        this.pieces.push(chunk.subarray(offset, offset + take));
      } else {
        if (passStart < 0) passStart = offset;
        if (this.oversized) this.digest(this.oversized, chunk.subarray(offset, offset + take));
      }
      offset += take;
      this.bodyRemaining -= take;
      if (this.bodyRemaining === 0) {
        // The message's last bytes go out before its end is reported.
        if (this.oversized) flushPass(offset);
        this.finishMessage(out);
      }
    }
    flushPass(chunk.length);
    return out;
  }

  private finishMessage(out: SplitterOutput[]): void {
    if (this.pieces) {
      const raw = Buffer.concat(this.pieces);
      out.push({
        kind: 'message',
        message: { type: this.currentType, body: raw.subarray(TYPED_HEADER_BYTES) },
        raw,
      });
    }
    if (this.oversized) {
      const { length, hash, prefix } = this.oversized;
      out.push({
        kind: 'oversized-end',
        type: this.currentType,
        length,
        prefix: Buffer.concat(prefix),
        sha256: hash.digest('hex'),
      });
    }
    this.oversized = undefined;
    this.pieces = undefined;
    this.bodyRemaining = -1;
  }

  private digest(state: NonNullable<typeof this.oversized>, bytes: Buffer): void {
    state.hash.update(bytes);
    const room = this.maxInspectedBodyBytes - state.prefixBytes;
    if (room > 0) {
      const kept = Buffer.from(bytes.subarray(0, room));
      state.prefix.push(kept);
      state.prefixBytes += kept.length;
    }
  }
}
