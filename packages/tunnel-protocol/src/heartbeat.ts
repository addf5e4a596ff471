/**
 * Heartbeat probes (reference §3.5, §5.7).
 *
 * - Relay probe: the control plane completes an mTLS handshake with the relay's :8443 using a
 *   relay client certificate whose CN is the all-zero ID; the relay then closes the connection.
 * - Gateway probe: the control plane opens a tunnel with ALPN `infisical-health` (falling back to
 *   `infisical-ping`); the gateway writes one line and closes:
 *     infisical-health -> `{"status":"ok","heartbeatTTL":180}\n`
 *     infisical-ping   -> `PONG\n`
 */
export const HEARTBEAT_PROBE_GATEWAY_ID = '00000000-0000-0000-0000-000000000000';

/** Seconds between gateway heartbeats once healthy; the gateway advertises it as heartbeatTTL. */
export const GATEWAY_HEARTBEAT_TTL_SECONDS = 180;

/** A gateway is healthy while its last successful probe is younger than TTL + this buffer. */
export const HEARTBEAT_BUFFER_SECONDS = 30;

/** Probe replies are tiny; anything longer is a protocol error, not something to buffer. */
export const MAX_PROBE_REPLY_BYTES = 1024;

export const PING_REPLY = 'PONG\n';

export function healthReply(heartbeatTtlSeconds = GATEWAY_HEARTBEAT_TTL_SECONDS): string {
  return `${JSON.stringify({ status: 'ok', heartbeatTTL: heartbeatTtlSeconds })}\n`;
}

/** Parses a probe reply; returns the heartbeat TTL in seconds, or throws with the reason. */
export function parseProbeReply(reply: string): number {
  if (reply === PING_REPLY) return 1800; // the reference's DEFAULT_HEARTBEAT_TTL for PONG
  let parsed: unknown;
  try {
    parsed = JSON.parse(reply);
  } catch {
    throw new Error(`gateway probe reply is not JSON: ${JSON.stringify(reply.slice(0, 64))}`);
  }
  const body = parsed as { status?: unknown; heartbeatTTL?: unknown };
  if (body.status !== 'ok') throw new Error(`gateway probe reply status is not ok`);
  return typeof body.heartbeatTTL === 'number' && body.heartbeatTTL > 0 ? body.heartbeatTTL : 1800;
}
