/**
 * Ending an inner TLS stream politely, with deadlines.
 *
 * `end()` sends TLS close_notify and then EOF on the relay channel, so the caller reads every byte
 * written before it (a `destroy()` here would cut the tail). Relay channels are half-open streams,
 * though: the socket only closes once the caller ends its side too. A caller that never does would
 * hold the channel forever, so the stream is destroyed after a short linger — counted from when
 * every byte written has left the stream ('finish'), not from `end()`: a slow reader still
 * taking a long reply (the window lets the gateway send only as fast as the caller reads) must
 * not have its tail cut (issue 13, the splice rule: every accepted byte is delivered, or the
 * reader gets an error).
 *
 * A reader that does not take the tail at all within SPLICE_FLUSH_TIMEOUT_MS (the same deadline
 * the splices give a tail) has the stream destroyed then: its TLS stream ends without
 * close_notify, which a TLS reader can tell from a complete reply.
 */
import type { Duplex } from 'node:stream';
import { SPLICE_FLUSH_TIMEOUT_MS } from '@burrow/tunnel-protocol';

/** How long a caller gets to close its side after it has received everything the gateway sent. */
export const STREAM_CLOSE_LINGER_MS = 5_000;

/**
 * Ends `stream` (optionally writing `lastWords` first); destroys it if it is still open
 * `lingerMs` after its last byte left, or `flushTimeoutMs` after this call if that byte never
 * does.
 *
 * @example
 *   endStream(socket, 'PONG\n');
 */
export function endStream(
  stream: Duplex,
  lastWords?: string,
  lingerMs: number = STREAM_CLOSE_LINGER_MS,
  flushTimeoutMs: number = SPLICE_FLUSH_TIMEOUT_MS,
): void {
  if (stream.destroyed) return;
  // Input after this point is not for anyone; read and drop it so the caller's EOF is seen.
  stream.resume();
  if (lastWords === undefined) stream.end();
  else stream.end(lastWords);
  let timer = setTimeout(() => stream.destroy(), flushTimeoutMs);
  timer.unref();
  const linger = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => stream.destroy(), lingerMs);
    timer.unref();
  };
  if (stream.writableFinished) linger();
  else stream.once('finish', linger);
  stream.once('close', () => {
    clearTimeout(timer);
    stream.removeListener('finish', linger);
  });
}
