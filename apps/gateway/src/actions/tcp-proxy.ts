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
 *   - connected: caller <-> target joined by spliceStreams (tunnel-protocol splice.ts): an EOF on
 *     one side becomes end() on the other (half-close is kept: a caller may send, half-close, and
 *     still read the answer); when one side closes or fails, what the other was already given is
 *     flushed first (then end(), or a reset if the closing side failed), within the splice's
 *     flush deadline. A target that writes its answer and resets still delivers the answer.
 *
 * Every stream is authorised on its own: the target comes from the certificate the control plane
 * signed for exactly this target, never from bytes the caller sends.
 */
import net from 'node:net';
import { spliceStreams, TARGET_CONNECT_TIMEOUT_MS } from '@burrow/tunnel-protocol';
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
  { socket, routing, pamSession, logger, targetConnected }: ActionContext,
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
  const timer = setTimeout(
    () => target.destroy(new Error(`connect timed out after ${connectTimeoutMs} ms`)),
    connectTimeoutMs,
  );

  target.once('connect', () => {
    targetConnected?.();
    clearTimeout(timer);
    target.off('error', onConnectError);
    // The caller's EOF must not end our side too: the target's answer may still be coming.
    socket.allowHalfOpen = true;
    logger.info({ connectMs: Date.now() - startedAt }, 'tcp-proxy connected to target');
    void spliceStreams(socket, target).then((result) => {
      if (result.error !== undefined) {
        const { message, code } = result.error as NodeJS.ErrnoException;
        logger.warn({ error: message, code }, 'tcp-proxy stream error');
      }
      logger.info(
        {
          bytesToTarget: result.bytesFromA,
          bytesFromTarget: result.bytesFromB,
          durationMs: Date.now() - startedAt,
        },
        'tcp-proxy stream closed',
      );
    });
  });

  const onConnectError = (error: NodeJS.ErrnoException): void => {
    clearTimeout(timer);
    logger.warn(
      { error: error.message, code: error.code },
      'tcp-proxy target unreachable; closing the stream',
    );
    endStream(socket);
  };
  target.once('error', onConnectError);
  // The caller going away before the target answered: stop connecting.
  const onCallerGone = (): void => {
    if (target.connecting) {
      clearTimeout(timer);
      target.destroy();
    }
  };
  socket.once('close', onCallerGone);
}
