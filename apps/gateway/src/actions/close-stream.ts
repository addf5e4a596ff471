/**
 * Ending an inner TLS stream politely, with a deadline.
 *
 * `end()` sends TLS close_notify and then EOF on the relay channel, so the caller reads every byte
 * written before it (a `destroy()` here would cut the tail). Relay channels are half-open streams,
 * though: the socket only closes once the caller ends its side too. A caller that never does would
 * hold the channel forever, so after a short linger the stream is destroyed.
 */
import type { Duplex } from 'node:stream';

/** How long a caller gets to close its side after the gateway ended the stream. */
export const STREAM_CLOSE_LINGER_MS = 5_000;

/**
 * Ends `stream` (optionally writing `lastWords` first) and destroys it if it is still open after
 * `lingerMs`.
 *
 * @example
 *   endStream(socket, 'PONG\n');
 */
export function endStream(
  stream: Duplex,
  lastWords?: string,
  lingerMs: number = STREAM_CLOSE_LINGER_MS,
): void {
  if (stream.destroyed) return;
  // Input after this point is not for anyone; read and drop it so the caller's EOF is seen.
  stream.resume();
  if (lastWords === undefined) stream.end();
  else stream.end(lastWords);
  const timer = setTimeout(() => stream.destroy(), lingerMs);
  timer.unref();
  stream.once('close', () => clearTimeout(timer));
}
