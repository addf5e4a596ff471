/**
 * Joins two duplex streams: bytes read from each are written to the other, with pipe()'s
 * backpressure and its end() semantics, so a half-close travels through and the tail of a transfer
 * is never lost (destroying instead of ending drops whatever is still buffered).
 *
 * - One side ends (EOF) → pipe() calls end() on the other; the reverse direction keeps flowing.
 * - One side errors → both are destroyed.
 * - One side closes without having finished both directions (reset, destroyed) → the other is
 *   destroyed too, so nothing waits forever on a peer that is gone.
 *
 * Both streams must allow half-open connections (net/tls: `allowHalfOpen: true`).
 *
 * An ssh2 channel that is destroyed still emits 'close' only after its readable side has ended,
 * i.e. after whatever it buffered has been read; once the peer it was piped to is gone nobody
 * reads it, so a destroyed stream is also resumed (its leftover bytes are dropped). Without that
 * the splice of a reset caller never finished and its stream stayed counted forever.
 *
 * @example
 *   spliceStreams(callerSocket, channel, ({ error }) => log.debug({ error }, 'stream done'));
 */
import type { Duplex } from 'node:stream';

export interface SpliceResult {
  /** The first error either side raised, if any. */
  error: Error | undefined;
  /** Bytes read from `a` (and written into `b`). */
  bytesFromA: number;
  /** Bytes read from `b` (and written into `a`). */
  bytesFromB: number;
}

export function spliceStreams(a: Duplex, b: Duplex, onDone?: (result: SpliceResult) => void): void {
  const result: SpliceResult = { error: undefined, bytesFromA: 0, bytesFromB: 0 };
  let open = 2;
  const fail = (error: Error): void => {
    result.error ??= error;
    discard(a);
    discard(b);
  };
  const watch = (stream: Duplex, other: Duplex, count: (n: number) => void): void => {
    stream.on('data', (chunk: Buffer) => count(chunk.length));
    stream.on('error', fail);
    stream.once('close', () => {
      const finishedCleanly = stream.readableEnded && stream.writableFinished;
      if (!finishedCleanly) discard(other);
      open -= 1;
      if (open === 0) onDone?.(result);
    });
  };
  watch(a, b, (n) => (result.bytesFromA += n));
  watch(b, a, (n) => (result.bytesFromB += n));
  a.pipe(b);
  b.pipe(a);
}

/** Destroys a stream and lets it drain, so that it reaches 'close' (see the note above). */
function discard(stream: Duplex): void {
  if (!stream.destroyed) stream.destroy();
  // unpipe() first: a later unpipe by pipe()'s own cleanup would pause it again.
  stream.unpipe();
  stream.resume();
}
