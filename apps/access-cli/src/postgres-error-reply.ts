import type { Duplex } from 'node:stream';

/**
 * Answers a local PostgreSQL client with a proper `FATAL` ErrorResponse when `burrow` cannot
 * reach the gateway for it, so `psql` shows "burrow: …" instead of "server closed the connection
 * unexpectedly". Only the start of the protocol is spoken (PostgreSQL protocol 3.0, "Message
 * Flow / Start-up"):
 *
 *   client: SSLRequest (8 bytes, code 80877103) or GSSENCRequest (80877104)  → we answer 'N'
 *   client: StartupMessage (length, protocol 196608, key/value pairs)         → ErrorResponse, close
 *   client: CancelRequest (80877102)                                          → close
 *
 * @example
 *   await replyWithPostgresError(localSocket, 'burrow: the relay at 127.0.0.1:8443 is not reachable');
 */
const SSL_REQUEST_CODE = 80877103;
const GSSENC_REQUEST_CODE = 80877104;
const CANCEL_REQUEST_CODE = 80877102;
/** Startup packets are small; anything larger is not a PostgreSQL client. */
const MAX_STARTUP_PACKET_BYTES = 10_000;
/** A client that sends nothing in this time is just closed. */
const STARTUP_READ_TIMEOUT_MS = 10_000;
/** SQLSTATE 08006 connection_failure. */
export const SQLSTATE_CONNECTION_FAILURE = '08006';

/** Encodes a FATAL ErrorResponse message. */
export function encodeErrorResponse(
  message: string,
  sqlState = SQLSTATE_CONNECTION_FAILURE,
): Buffer {
  const fields = Buffer.concat([
    field('S', 'FATAL'),
    field('V', 'FATAL'),
    field('C', sqlState),
    field('M', message),
    Buffer.from([0]),
  ]);
  const header = Buffer.alloc(5);
  header.write('E', 0, 'latin1');
  header.writeUInt32BE(fields.length + 4, 1);
  return Buffer.concat([header, fields]);
}

function field(code: string, value: string): Buffer {
  // A NUL inside a value would end the field early; PostgreSQL never sends one either.
  return Buffer.concat([
    Buffer.from(code, 'latin1'),
    Buffer.from(value.replace(/\0/g, ''), 'utf8'),
    Buffer.from([0]),
  ]);
}

/** Reads the client's start-up packets and answers with `message`; resolves when the socket is closed. */
export function replyWithPostgresError(socket: Duplex, message: string): Promise<void> {
  return new Promise((resolve) => {
    let buffered = Buffer.alloc(0);
    let finished = false;
    const finish = (reply?: Buffer): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.off('data', onData);
      if (reply) socket.end(reply);
      else socket.destroy();
      resolve();
    };
    const timer = setTimeout(() => finish(), STARTUP_READ_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 8) {
        const length = buffered.readUInt32BE(0);
        if (length < 8 || length > MAX_STARTUP_PACKET_BYTES) return finish();
        if (buffered.length < length) return;
        const code = buffered.readUInt32BE(4);
        buffered = buffered.subarray(length);
        if (code === SSL_REQUEST_CODE || code === GSSENC_REQUEST_CODE) {
          socket.write('N');
          continue;
        }
        if (code === CANCEL_REQUEST_CODE) return finish();
        return finish(encodeErrorResponse(message));
      }
    };
    socket.on('data', onData);
    socket.once('error', () => finish());
    socket.once('close', () => finish());
    socket.resume();
  });
}
