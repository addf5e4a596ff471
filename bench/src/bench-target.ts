/**
 * The target every path ends at: a TCP server with three modes, chosen by the first byte a
 * connection sends.
 *
 *   'U' u64 n   sink: read n bytes, then write 'K' (upload: caller -> target)
 *   'D' u64 n   source: write n bytes, then end (download: target -> caller)
 *   'E'         echo everything that follows (setup latency, request/response)
 *
 * Runs as its own process (bench-target-main.ts) so its CPU is not mixed with the caller's.
 */
import net from 'node:net';

export const MODE_UPLOAD = 0x55; // 'U'
export const MODE_DOWNLOAD = 0x44; // 'D'
export const MODE_ECHO = 0x45; // 'E'

/** One write of the source: large enough to keep syscalls few, small enough to stay in cache. */
const SOURCE_CHUNK_BYTES = 256 * 1024;

export function modeHeader(mode: number, bytes = 0): Buffer {
  if (mode === MODE_ECHO) return Buffer.from([mode]);
  const header = Buffer.alloc(9);
  header[0] = mode;
  header.writeBigUInt64BE(BigInt(bytes), 1);
  return header;
}

export function startBenchTarget(port = 0, host = '127.0.0.1'): Promise<net.Server> {
  const source = Buffer.alloc(SOURCE_CHUNK_BYTES, 0x5a);
  const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    let head: Buffer = Buffer.alloc(0);
    const onHead = (chunk: Buffer): void => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const mode = head[0];
      if (mode === MODE_ECHO) {
        socket.off('data', onHead);
        if (head.length > 1) socket.write(head.subarray(1));
        socket.pipe(socket);
        return;
      }
      if (head.length < 9) return;
      socket.off('data', onHead);
      const bytes = Number(head.readBigUInt64BE(1));
      if (mode === MODE_UPLOAD) sink(socket, bytes, head.length - 9);
      else if (mode === MODE_DOWNLOAD) pump(socket, bytes, source);
      else socket.destroy();
    };
    socket.on('data', onHead);
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}

function sink(socket: net.Socket, bytes: number, already: number): void {
  let received = already;
  const done = (): void => {
    socket.off('data', onData);
    socket.end('K');
    socket.resume();
  };
  const onData = (chunk: Buffer): void => {
    received += chunk.length;
    if (received >= bytes) done();
  };
  if (received >= bytes) done();
  else socket.on('data', onData);
}

function pump(socket: net.Socket, bytes: number, source: Buffer): void {
  let left = bytes;
  socket.resume(); // ignore anything the caller sends; see its EOF
  const write = (): void => {
    while (left > 0) {
      const chunk = left >= source.length ? source : source.subarray(0, left);
      left -= chunk.length;
      if (!socket.write(chunk)) {
        socket.once('drain', write);
        return;
      }
    }
    socket.end();
  };
  write();
}
