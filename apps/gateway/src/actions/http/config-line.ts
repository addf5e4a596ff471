/**
 * Reading the first line of an `infisical-http-proxy` stream (the CONFIG line, tunnel-protocol
 * http-proxy.ts) off a socket, leaving every byte after the newline in the socket for the HTTP
 * parser.
 */
import type { Duplex } from 'node:stream';

/**
 * Resolves with the line (without `\n`, a trailing `\r` dropped) and puts what followed it back
 * into `stream`. Rejects when the stream ends or fails first, when the line exceeds `maxBytes`, or
 * after `timeoutMs`.
 *
 * @example
 *   const line = await readConfigLine(socket, 64 * 1024, 10_000);
 */
export function readConfigLine(
  stream: Duplex,
  maxBytes: number,
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const finish = (error: Error | undefined, line?: string): void => {
      clearTimeout(timer);
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onEnd);
      if (error) reject(error);
      else resolve(line as string);
    };
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while ((chunk = stream.read() as Buffer | null) !== null) {
        const newline = chunk.indexOf(0x0a);
        if (newline === -1) {
          chunks.push(chunk);
          length += chunk.length;
          if (length > maxBytes) {
            finish(new Error(`the config line is longer than ${maxBytes} bytes`));
            return;
          }
          continue;
        }
        if (length + newline > maxBytes) {
          finish(new Error(`the config line is longer than ${maxBytes} bytes`));
          return;
        }
        chunks.push(chunk.subarray(0, newline));
        const rest = chunk.subarray(newline + 1);
        if (rest.length > 0) stream.unshift(rest);
        finish(undefined, Buffer.concat(chunks).toString('utf8').replace(/\r$/, ''));
        return;
      }
    };
    const onEnd = (): void => finish(new Error('the stream ended before the config line'));
    const onError = (error: Error): void => finish(error);
    const timer = setTimeout(
      () => finish(new Error(`no config line within ${timeoutMs} ms`)),
      timeoutMs,
    );
    stream.on('readable', onReadable);
    stream.once('end', onEnd);
    stream.once('close', onEnd);
    stream.once('error', onError);
  });
}
