import type tls from 'node:tls';
import {
  ALPN,
  GATEWAY_PROBE_TIMEOUT_MS,
  MAX_PROBE_REPLY_BYTES,
  parseProbeReply,
} from '@burrow/tunnel-protocol';
import type { GatewayTunnelClient } from './gateway-tunnel.ts';

/**
 * The gateway heartbeat probe (reference §5.7): a tunnel with ALPN `infisical-health` (an old
 * gateway may only accept `infisical-ping`); the gateway writes one line and closes. The whole
 * probe has a 10 s deadline and the reply may not exceed 1 KiB.
 *
 * @example
 *   const { heartbeatTTL } = await probeGatewayHealth(tunnel, gatewayId);
 */
export const HEALTH_CHECK_TARGET = { targetHost: 'health-check', targetPort: 443 };

export async function probeGatewayHealth(
  tunnel: GatewayTunnelClient,
  gatewayId: string,
  timeoutMs = GATEWAY_PROBE_TIMEOUT_MS,
): Promise<{ heartbeatTTL: number; alpn: string }> {
  const prepared = await tunnel.prepare(gatewayId, HEALTH_CHECK_TARGET);
  const deadline = Date.now() + timeoutMs;
  const socket = await withDeadline(
    tunnel.dial(prepared, [ALPN.health, ALPN.ping]),
    timeoutMs,
    'no answer from the gateway',
  );
  try {
    const reply = await readReply(socket, Math.max(1, deadline - Date.now()));
    return { heartbeatTTL: parseProbeReply(reply), alpn: socket.alpnProtocol || '' };
  } finally {
    socket.destroy();
  }
}

/** Reads until the first newline or the end of the stream, at most MAX_PROBE_REPLY_BYTES. */
function readReply(socket: tls.TLSSocket, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      socket.removeAllListeners('data');
      if (error) reject(error);
      else resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const timer = setTimeout(
      () => finish(new Error(`no reply from the gateway within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > MAX_PROBE_REPLY_BYTES) {
        finish(new Error(`gateway probe reply exceeds ${MAX_PROBE_REPLY_BYTES} bytes`));
      } else if (chunk.includes(0x0a)) finish();
    });
    socket.once('end', () =>
      finish(size === 0 ? new Error('gateway closed without a reply') : undefined),
    );
    socket.once('error', (error) => finish(error));
    socket.once('close', () =>
      finish(size === 0 ? new Error('gateway closed without a reply') : undefined),
    );
  });
}

function withDeadline<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
