import type { Socket } from 'node:net';

/** How waiting for a connection's first bytes ended. */
export type FirstBytesOutcome = 'data' | 'closed' | 'timeout';

/**
 * Waits until a freshly accepted (paused) socket has bytes to read, its peer closes it, or
 * `timeoutMs` passes. The bytes stay buffered on the socket: node:tls takes them from there when
 * the socket is handed to a TLS server (and keeps reading from the native handle itself).
 *
 * Why: node:tls does not notice a peer that closes before sending anything — a TCP health check,
 * a port scan, a gateway's relay-selection probe — until its handshake deadline, and the relay
 * would hold one of its handshake slots for that long and log a timeout.
 *
 * @example
 *   if ((await firstBytes(raw, 5_000)) === 'data') tlsServer.emit('connection', raw);
 *   else raw.destroy();
 */
export function firstBytes(socket: Socket, timeoutMs: number): Promise<FirstBytesOutcome> {
  return new Promise((resolve) => {
    const finish = (outcome: FirstBytesOutcome): void => {
      clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('end', onClosed);
      socket.off('close', onClosed);
      resolve(outcome);
    };
    const onReadable = (): void => {
      if (socket.readableLength > 0) finish('data');
    };
    const onClosed = (): void => finish('closed');
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    timer.unref();
    if (socket.destroyed) return finish('closed');
    socket.on('readable', onReadable);
    socket.once('end', onClosed);
    socket.once('close', onClosed);
  });
}
