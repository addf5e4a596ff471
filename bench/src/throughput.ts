/**
 * Bulk transfer through a path: `up` (caller -> target, the target acknowledges with 'K' once it
 * has every byte) or `down` (target -> caller until EOF), over one or several parallel streams.
 * A transfer that outlives `capMs` is stopped; the result then counts the bytes moved so far and
 * is marked `capped`.
 */
import type { Duplex } from 'node:stream';
import type { Dial } from './dial.ts';
import { MODE_DOWNLOAD, MODE_UPLOAD, modeHeader } from './bench-target.ts';

export type Direction = 'up' | 'down';

export interface TransferResult {
  direction: Direction;
  streams: number;
  bytes: number;
  seconds: number;
  mibPerSecond: number;
  capped: boolean;
}

/** One write from the caller: several TLS records, few syscalls. */
const WRITE_CHUNK_BYTES = 256 * 1024;

export async function transfer(
  dial: Dial,
  direction: Direction,
  totalBytes: number,
  streams: number,
  capMs: number,
): Promise<TransferResult> {
  const perStream = Math.floor(totalBytes / streams);
  const sockets = await Promise.all(Array.from({ length: streams }, () => dial()));
  const deadline = { at: 0, capped: false };
  const started = performance.now();
  deadline.at = started + capMs;
  const moved = await Promise.all(
    sockets.map((socket) =>
      direction === 'up'
        ? upload(socket, perStream, deadline)
        : download(socket, perStream, deadline),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const bytes = moved.reduce((a, b) => a + b, 0);
  return {
    direction,
    streams,
    bytes,
    seconds,
    mibPerSecond: bytes / (1024 * 1024) / seconds,
    capped: deadline.capped,
  };
}

interface Deadline {
  at: number;
  capped: boolean;
}

function upload(socket: Duplex, bytes: number, deadline: Deadline): Promise<number> {
  const chunk = Buffer.alloc(WRITE_CHUNK_BYTES, 0x61);
  return new Promise((resolve, reject) => {
    let written = 0;
    let finished = false;
    const done = (value: number): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      resolve(value);
    };
    const timer = setTimeout(() => {
      deadline.capped = true;
      socket.destroy();
      done(written);
    }, deadline.at - performance.now());
    socket.on('error', (error: Error) => (finished ? undefined : reject(error)));
    socket.on('data', (reply: Buffer) => {
      if (reply[0] === 0x4b) {
        socket.end();
        done(bytes);
      }
    });
    socket.on('close', () => done(written));
    socket.write(modeHeader(MODE_UPLOAD, bytes));
    const pump = (): void => {
      while (written < bytes && !finished) {
        const piece = bytes - written >= chunk.length ? chunk : chunk.subarray(0, bytes - written);
        written += piece.length;
        if (!socket.write(piece)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}

function download(socket: Duplex, bytes: number, deadline: Deadline): Promise<number> {
  return new Promise((resolve, reject) => {
    let received = 0;
    let finished = false;
    const done = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      resolve(received);
    };
    const timer = setTimeout(() => {
      deadline.capped = true;
      socket.destroy();
      done();
    }, deadline.at - performance.now());
    socket.on('error', (error: Error) => (finished ? undefined : reject(error)));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received >= bytes) {
        socket.end();
        done();
      }
    });
    socket.on('end', done);
    socket.on('close', done);
    socket.write(modeHeader(MODE_DOWNLOAD, bytes));
  });
}
