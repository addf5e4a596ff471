/**
 * ALPN `infisical-tcp-proxy` (reference §5.5): the gateway connects to the target named in the
 * caller's certificate (`…100.1` {targetHost, targetPort}) and copies bytes both ways until both
 * sides are done. No framing: the first byte after the handshake is the target's first byte.
 *
 * Lifecycle:
 *   - a PAM certificate (it carries `…100.3`)        -> log, end the TLS stream: a PAM session
 *                                                      goes through infisical-pam-proxy, with
 *                                                      credential injection and recording, never
 *                                                      as raw, unrecorded TCP
 *   - no target in the certificate (or port 0)      -> log, end the TLS stream
 *   - target refuses / unreachable / connect timeout -> log the reason, end the TLS stream
 *                                                      (the caller sees a close; the relay and the
 *                                                      gateway never write plaintext into it)
 *   - connected: caller -> target and target -> caller with pipe(): an EOF on one side becomes
 *     end() on the other (half-close is kept: a caller may send, half-close, and still read the
 *     answer). Only an error destroys the other side; destroying on a plain close would cut the
 *     tail of the data still buffered.
 *
 * Every stream is authorised on its own: the target comes from the certificate the control plane
 * signed for exactly this target, never from bytes the caller sends.
 */
import net from 'node:net';
import { TARGET_CONNECT_TIMEOUT_MS } from '@burrow/tunnel-protocol';
import type { ActionContext } from './action.ts';
import { endStream } from './close-stream.ts';

export interface TcpProxyOptions {
  connectTimeoutMs?: number;
}

/**
 * Builds the tcp-proxy handler.
 *
 * @example
 *   const handlers = { [ALPN.tcpProxy]: createTcpProxyHandler() };
 */
export function createTcpProxyHandler(options: TcpProxyOptions = {}) {
  const connectTimeoutMs = options.connectTimeoutMs ?? TARGET_CONNECT_TIMEOUT_MS;
  return (context: ActionContext): void => proxy(context, connectTimeoutMs);
}

function proxy(
  { socket, routing, pamSession, logger }: ActionContext,
  connectTimeoutMs: number,
): void {
  if (pamSession) {
    logger.warn(
      { sessionId: pamSession.sessionId },
      'tcp-proxy refused: the caller certificate was made for a PAM session (…100.3)',
    );
    endStream(socket);
    return;
  }
  if (!routing || routing.targetPort === 0 || routing.targetHost.trim() === '') {
    logger.warn('tcp-proxy refused: the caller certificate names no target host and port');
    endStream(socket);
    return;
  }
  const startedAt = Date.now();
  const target = net.connect({
    host: routing.targetHost,
    port: routing.targetPort,
    // Keep half-close: the target may finish sending while the caller still has bytes for it.
    allowHalfOpen: true,
  });
  // Without TCP_NODELAY small writes wait ~40 ms for Nagle + delayed ACK.
  target.setNoDelay(true);
  let connected = false;
  const timer = setTimeout(
    () => target.destroy(new Error(`connect timed out after ${connectTimeoutMs} ms`)),
    connectTimeoutMs,
  );

  target.once('connect', () => {
    clearTimeout(timer);
    connected = true;
    logger.info({ connectMs: Date.now() - startedAt }, 'tcp-proxy connected to target');
    socket.pipe(target);
    target.pipe(socket);
  });

  target.on('error', (error: NodeJS.ErrnoException) => {
    clearTimeout(timer);
    if (!connected) {
      logger.warn(
        { error: error.message, code: error.code },
        'tcp-proxy target unreachable; closing the stream',
      );
      endStream(socket);
    } else {
      logger.warn({ error: error.message, code: error.code }, 'tcp-proxy target error');
      socket.destroy();
    }
  });

  socket.on('error', (error: NodeJS.ErrnoException) => {
    logger.warn({ error: error.message, code: error.code }, 'tcp-proxy caller stream error');
    target.destroy();
  });

  // A side that went away without EOF (destroyed, e.g. the relay connection dropped or the gateway
  // shuts down) takes the other side with it; after a clean EOF the other side finishes on its own.
  socket.once('close', () => {
    clearTimeout(timer);
    if (!target.writableEnded) target.destroy();
  });
  target.once('close', () => {
    if (connected && !socket.writableEnded) socket.destroy();
    if (connected) {
      logger.info(
        {
          bytesToTarget: target.bytesWritten,
          bytesFromTarget: target.bytesRead,
          durationMs: Date.now() - startedAt,
        },
        'tcp-proxy stream closed',
      );
    }
  });
}
