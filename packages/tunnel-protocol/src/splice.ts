/**
 * The one function that joins two duplex streams (caller socket <-> SSH channel at the relay,
 * inner TLS <-> target at the gateway, local socket <-> tunnel in the access CLI and the control
 * plane). Every byte one side has read is either delivered to the other side or the other side's
 * reader gets an error; a splice never turns a lost tail into a clean, short stream.
 *
 * Bytes:          what is read from one side is written to the other, in order; the splice keeps
 *                 no buffer of its own.
 * Backpressure:   per direction, at most `maxBufferedBytes` (default: the destination's
 *                 writableHighWaterMark) plus one chunk are written into the destination and not
 *                 yet flushed by it (its write callback); past that the source is paused until the
 *                 destination catches up.
 * Half-close:     one side's EOF ('end') becomes end() on the other, unless that side raised an
 *                 error first (an SSH channel of a lost connection reports an end after the
 *                 relay failed it: it was cut, see Close); the reverse direction keeps flowing. Both streams must allow half-open connections (net/tls:
 *                 `allowHalfOpen: true`), or the first EOF ends both directions.
 * Close:          when one side closes, the other gets nothing more from it and can give it
 *                 nothing more; its own incoming bytes have no reader left and are discarded (so
 *                 its kernel receive buffer is empty when it goes). What it was already given is
 *                 delivered first, and only then is it destroyed:
 *                 - the side closed without an error — after EOF both ways, or without EOF (an SSH
 *                   channel closed without EOF, as the reference's Go gateway does; a stream
 *                   destroyed locally): the other side's queued writes are flushed, then end()
 *                   (EOF/FIN, TLS close_notify), and it is destroyed once that has finished;
 *                 - the side failed (ECONNRESET, a crashed peer, a TLS error): the other side's
 *                   queued writes are flushed (every write callback has run), then it is RESET
 *                   (TCP RST; for TLS, the TCP socket under it): its reader gets every byte the
 *                   splice accepted and then an error, because the stream it reads was cut, and a
 *                   clean EOF would pass the cut off as a complete, shorter stream. (A TLS socket
 *                   reports writes done before its last records have left the TLS layer; the
 *                   reset can overtake those, and its reader then gets fewer bytes — still with
 *                   the error.)
 * Deadline:       that flush has `flushTimeoutMs` (SPLICE_FLUSH_TIMEOUT_MS), counted once from the
 *                 close and never restarted. A reader that has not taken its tail by then is
 *                 reset: it sees an error, never a clean end of a short stream. Streams that
 *                 cannot be reset (an SSH channel: there is no reset in SSH) are destroyed.
 * Errors:         the first error either side raises is reported in the result; an error on one
 *                 side is a close of that side (above), never a reason to drop the other side's
 *                 queued bytes.
 * Done:           the returned promise resolves once both sides have closed. A side the splice
 *                 destroyed that never reports 'close' (an SSH channel whose peer never answers
 *                 CLOSE) counts as closed SPLICE_CLOSE_GRACE_MS later, so the splice always ends.
 *
 * @example
 *   const result = await spliceStreams(callerSocket, channel);
 *   log.debug({ bytesFromCaller: result.bytesFromA, err: result.error?.message }, 'stream done');
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { SPLICE_CLOSE_GRACE_MS, SPLICE_FLUSH_TIMEOUT_MS } from './limits.ts';

export interface SpliceOptions {
  /** How long a side may take to flush its tail once the other side has closed. */
  flushTimeoutMs?: number;
  /** Per direction: unflushed bytes written into the destination before the source is paused. */
  maxBufferedBytes?: number;
}

export interface SpliceResult {
  /** The first error either side raised, if any. */
  error: Error | undefined;
  /** Bytes read from `a` (and written into `b`). */
  bytesFromA: number;
  /** Bytes read from `b` (and written into `a`). */
  bytesFromB: number;
  /** The side that did not take its tail within the flush deadline and was reset. */
  resetAfterFlushTimeout: 'a' | 'b' | undefined;
}

interface Side {
  readonly name: 'a' | 'b';
  readonly stream: Duplex;
  /** Bytes written into this side whose write callback has not run yet. */
  unflushed: number;
  readonly limit: number;
  /** The source feeding this side was paused because `unflushed` reached `limit`. */
  sourcePaused: boolean;
  /** 'close' seen (or given up waiting for). */
  closed: boolean;
  /** The other side has closed: this one only flushes what it was given, then goes. */
  finishing: boolean;
  /** This side raised an error (its peer reset it, ...). */
  failed: boolean;
  /** Runs when every write into this side has been flushed (while finishing after a failure). */
  onFlushed: (() => void) | undefined;
  timers: NodeJS.Timeout[];
}

export function spliceStreams(
  a: Duplex,
  b: Duplex,
  options: SpliceOptions = {},
): Promise<SpliceResult> {
  const flushTimeoutMs = options.flushTimeoutMs ?? SPLICE_FLUSH_TIMEOUT_MS;
  const result: SpliceResult = {
    error: undefined,
    bytesFromA: 0,
    bytesFromB: 0,
    resetAfterFlushTimeout: undefined,
  };
  const side = (name: 'a' | 'b', stream: Duplex): Side => ({
    name,
    stream,
    unflushed: 0,
    limit: options.maxBufferedBytes ?? stream.writableHighWaterMark,
    sourcePaused: false,
    closed: false,
    finishing: false,
    failed: false,
    onFlushed: undefined,
    timers: [],
  });
  const sideA = side('a', a);
  const sideB = side('b', b);

  return new Promise<SpliceResult>((resolve) => {
    const later = (target: Side, ms: number, action: () => void): void => {
      const timer = setTimeout(action, ms);
      timer.unref();
      target.timers.push(timer);
    };

    const settle = (target: Side): void => {
      if (target.closed) return;
      target.closed = true;
      for (const timer of target.timers) clearTimeout(timer);
      if (sideA.closed && sideB.closed) resolve(result);
    };

    /** Destroys a side (reset = the reader must see an error) and stops waiting on it. */
    const finishOff = (target: Side, reset: boolean): void => {
      if (target.closed) return;
      if (reset) resetStream(target.stream);
      else target.stream.destroy();
      // An SSH channel emits 'close' only once its readable side has ended, i.e. once what it
      // buffered has been read: keep reading (into the void) so that it can.
      target.stream.resume();
      later(target, SPLICE_CLOSE_GRACE_MS, () => settle(target));
    };

    /**
     * `target`'s peer side has closed: deliver what `target` was given, then end it (peer closed
     * cleanly) or reset it (peer failed), then destroy it.
     */
    const flushAndFinish = (target: Side, peerFailed: boolean): void => {
      if (target.closed || target.finishing) return;
      target.finishing = true;
      // Its incoming bytes have no reader any more; read them so that nothing waits on them.
      target.stream.resume();
      const stream = target.stream;
      later(target, flushTimeoutMs, () => {
        result.resetAfterFlushTimeout ??= target.name;
        finishOff(target, true);
      });
      if (peerFailed) {
        if (target.unflushed === 0) finishOff(target, true);
        else target.onFlushed = () => finishOff(target, true);
        return;
      }
      if (stream.writableFinished || stream.destroyed) {
        finishOff(target, false);
        return;
      }
      stream.once('finish', () => finishOff(target, false));
      if (!stream.writableEnded) stream.end();
    };

    const forward = (from: Side, to: Side, count: (bytes: number) => void): void => {
      from.stream.on('data', (chunk: Buffer) => {
        // The destination has gone (its reader with it) or was ended by the peer's own close:
        // these bytes have nowhere to go.
        if (to.closed || to.finishing || to.stream.writableEnded || to.stream.destroyed) return;
        count(chunk.length);
        to.unflushed += chunk.length;
        to.stream.write(chunk, () => {
          to.unflushed -= chunk.length;
          if (to.unflushed === 0) to.onFlushed?.();
          if (to.sourcePaused && to.unflushed < to.limit) {
            to.sourcePaused = false;
            if (!from.finishing && !from.closed) from.stream.resume();
          }
        });
        if (to.unflushed >= to.limit && !to.sourcePaused) {
          to.sourcePaused = true;
          from.stream.pause();
        }
      });
      // EOF: pass it on, the other direction keeps flowing. Not after an error: a stream that
      // failed and then reports an end (an SSH channel of a lost connection) was cut, not ended.
      const onEnd = (): void => {
        if (from.failed) return;
        if (!to.closed && !to.stream.writableEnded && !to.stream.destroyed) to.stream.end();
      };
      // A stream whose EOF came before anyone read it may have reported 'end' already.
      if (from.stream.readableEnded) process.nextTick(onEnd);
      else from.stream.once('end', onEnd);
      from.stream.on('error', (error: Error) => {
        from.failed = true;
        result.error ??= error;
      });
      const onClose = (): void => {
        settle(from);
        flushAndFinish(to, from.stream.errored !== null || from.failed);
      };
      // A stream that closed before the splice started has already emitted 'close'.
      if (from.stream.closed) process.nextTick(onClose);
      else from.stream.once('close', onClose);
    };

    forward(sideA, sideB, (bytes) => (result.bytesFromA += bytes));
    forward(sideB, sideA, (bytes) => (result.bytesFromB += bytes));
    // A stream paused before the splice (to hold its first bytes until the other side existed)
    // stays paused when a 'data' listener is added: start both explicitly.
    a.resume();
    b.resume();
  });
}

/**
 * Destroys a stream so that its peer sees an error: a TCP RST for a socket (a TLS socket's own
 * handle cannot be reset, the TCP socket under it can), a plain destroy for anything else.
 */
function resetStream(stream: Duplex): void {
  const candidates = [stream, (stream as { _parent?: unknown })._parent];
  for (const candidate of candidates) {
    if (!(candidate instanceof net.Socket) || candidate.destroyed) continue;
    try {
      candidate.resetAndDestroy();
      break;
    } catch {
      // Not a TCP handle (a TLS socket): try the socket under it.
    }
  }
  stream.destroy();
}
