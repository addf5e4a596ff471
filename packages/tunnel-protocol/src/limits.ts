/**
 * Deadlines and limits shared by relay, gateway and callers. Every handshake has a deadline so a
 * slow or malicious peer only costs its own connection.
 */

/** Outer TLS handshake on the relay's :8443 (the reference uses 5 s). */
export const RELAY_TLS_HANDSHAKE_TIMEOUT_MS = 5_000;

/** SSH handshake + authentication of a gateway on the relay's :2222. */
export const RELAY_SSH_HANDSHAKE_TIMEOUT_MS = 10_000;

/** Inner mTLS handshake between caller and gateway, inside the relay channel. */
export const INNER_TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/** TCP connect from the gateway to a target. */
export const TARGET_CONNECT_TIMEOUT_MS = 10_000;

/** Gateway dial of the relay's SSH port (the reference uses 30 s). */
export const GATEWAY_SSH_DIAL_TIMEOUT_MS = 30_000;

/**
 * Keepalives on the gateway<->relay SSH connection. Both sides send `keepalive@openssh.com`
 * every interval and give up after `count` unanswered ones, so a dead peer is noticed within
 * interval * (count + 1) = 15 s. (The reference's gateway waits up to 45 s; its relay never pings.)
 */
export const SSH_KEEPALIVE_INTERVAL_MS = 5_000;
export const SSH_KEEPALIVE_COUNT_MAX = 2;

/** Gateway reconnect: exponential backoff with full jitter, from base up to cap. */
export const RECONNECT_BACKOFF_BASE_MS = 500;
export const RECONNECT_BACKOFF_CAP_MS = 30_000;

/** Gateway and relay re-register (fresh certificates) this often; certificates live 1 day. */
export const CERTIFICATE_RENEWAL_INTERVAL_MS = 6 * 60 * 60 * 1000;

/** Platform -> gateway client certificates live this long (reference: 5 min). */
export const PLATFORM_CLIENT_CERT_TTL_MS = 5 * 60 * 1000;

/** Heartbeat probe of a gateway through the relay (reference: 10 s socket timeout). */
export const GATEWAY_PROBE_TIMEOUT_MS = 10_000;
