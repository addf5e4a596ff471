/**
 * The caller's side of the PostgreSQL startup phase, as the gateway plays the server.
 *
 *   caller -> SSLRequest        gateway -> 'N' (the caller's TLS is the inner mTLS already)
 *   caller -> GSSENCRequest     gateway -> 'N'
 *   caller -> CancelRequest     (int32 pid ‖ secret key, 4 bytes in protocol 3.0, up to 256 in 3.2)
 *                               handed to the cancel path; no answer is ever written
 *   caller -> StartupMessage    int32 version ‖ { cstring name ‖ cstring value }* ‖ NUL
 *                               `user` and `database` are replaced by the stored credentials
 *
 * At most {@link MAX_NEGOTIATION_ROUNDS} SSL/GSS requests are answered before the caller must send
 * its startup or cancel packet; everything is bounded by MAX_STARTUP_PACKET_BYTES.
 */
import type { Duplex } from 'node:stream';
import {
  BodyReader,
  CANCEL_REQUEST_CODE,
  GSSENC_REQUEST_CODE,
  MAX_STARTUP_PACKET_BYTES,
  PgProtocolError,
  SSL_REQUEST_CODE,
  cstring,
  encodeStartupPacket,
} from './wire-messages.ts';
import { PulledBytes } from './message-reader.ts';

/** libpq asks for GSS then SSL at most once each; a few more rounds are tolerated. */
const MAX_NEGOTIATION_ROUNDS = 4;

/** The secret key of protocol 3.2 may be up to 256 bytes. */
const MAX_CANCEL_SECRET_BYTES = 256;

export type CallerStartup =
  | {
      readonly kind: 'startup';
      /** Protocol version word (major << 16 | minor). */
      readonly protocolVersion: number;
      /** Parameters in the caller's order (user, database, application_name, options, ...). */
      readonly parameters: ReadonlyMap<string, string>;
      /** Bytes the caller sent after the startup packet (normally none before auth completes). */
      readonly rest: Buffer;
    }
  | {
      readonly kind: 'cancel';
      readonly processId: number;
      readonly secretKey: Buffer;
    };

/**
 * Reads the caller's startup packets from `stream`, answering SSL/GSS requests with 'N'.
 * Rejects with PgProtocolError on a malformed packet or when the stream ends first.
 */
export async function readCallerStartup(stream: Duplex): Promise<CallerStartup> {
  const reader = new PacketReader(stream);
  try {
    for (let round = 0; ; round++) {
      const packet = await reader.next();
      const body = new BodyReader(packet);
      const code = body.int32();
      if (code === SSL_REQUEST_CODE || code === GSSENC_REQUEST_CODE) {
        if (round >= MAX_NEGOTIATION_ROUNDS) {
          throw new PgProtocolError('too many SSL/GSS encryption requests');
        }
        stream.write('N');
        continue;
      }
      if (code === CANCEL_REQUEST_CODE) {
        const processId = body.int32();
        const secretKey = Buffer.from(body.rest());
        if (secretKey.length < 4 || secretKey.length > MAX_CANCEL_SECRET_BYTES) {
          throw new PgProtocolError('CancelRequest with a malformed secret key');
        }
        return { kind: 'cancel', processId, secretKey };
      }
      if (code >>> 16 !== 3) {
        throw new PgProtocolError(
          `unsupported frontend protocol ${code >>> 16}.${code & 0xffff} (this gateway speaks 3.x)`,
        );
      }
      const parameters = new Map<string, string>();
      for (;;) {
        const name = body.cstring();
        if (name === '') break;
        parameters.set(name, body.cstring());
      }
      return { kind: 'startup', protocolVersion: code, parameters, rest: reader.leftover() };
    }
  } finally {
    reader.release();
  }
}

/** A StartupMessage with `overrides` replacing (or adding) parameters. */
export function encodeStartupMessage(
  protocolVersion: number,
  parameters: ReadonlyMap<string, string>,
  overrides: Readonly<Record<string, string>>,
): Buffer {
  const merged = new Map(parameters);
  for (const [name, value] of Object.entries(overrides)) merged.set(name, value);
  const parts: Buffer[] = [];
  for (const [name, value] of merged) parts.push(cstring(name), cstring(value));
  parts.push(Buffer.alloc(1));
  return encodeStartupPacket(protocolVersion, Buffer.concat(parts));
}

/** A CancelRequest packet. */
export function encodeCancelRequest(processId: number, secretKey: Buffer): Buffer {
  const body = Buffer.allocUnsafe(4 + secretKey.length);
  body.writeInt32BE(processId, 0);
  secretKey.copy(body, 4);
  return encodeStartupPacket(CANCEL_REQUEST_CODE, body);
}

/** Pulls length-prefixed untyped packets out of a stream in paused mode. */
class PacketReader {
  private readonly input: PulledBytes;

  constructor(stream: Duplex) {
    this.input = new PulledBytes(stream, {
      pauseAboveBytes: MAX_STARTUP_PACKET_BYTES * 2,
      closedMessage: 'the client closed the connection during startup',
      streamError: (error) => new PgProtocolError(`stream error: ${error.message}`),
    });
  }

  async next(): Promise<Buffer> {
    await this.input.fill(4);
    const length = this.input.peek().readInt32BE(0);
    if (length < 8 || length > MAX_STARTUP_PACKET_BYTES) {
      throw new PgProtocolError(`startup packet with invalid length ${length}`);
    }
    await this.input.fill(length);
    return this.input.take(length).subarray(4);
  }

  leftover(): Buffer {
    return this.input.peek();
  }

  release(): void {
    this.input.release();
  }
}
