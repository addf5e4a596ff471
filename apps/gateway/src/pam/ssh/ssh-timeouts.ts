/**
 * Deadlines and keepalives of the PAM SSH proxy (reference §8.3: 10 s dial, keepalives 30 s on
 * both sides).
 */

/** The target's TCP connect, key exchange and authentication together. */
export const TARGET_HANDSHAKE_TIMEOUT_MS = 10_000;
/**
 * The person's key exchange and `none` authentication (the inner TLS handshake before it has its
 * own deadline); longer than the target's because the person's ssh may be slow to start.
 */
export const PERSON_HANDSHAKE_TIMEOUT_MS = 20_000;
/** keepalive@openssh.com on both connections; a peer that misses COUNT_MAX answers is dropped. */
export const PAM_SSH_KEEPALIVE_INTERVAL_MS = 30_000;
export const PAM_SSH_KEEPALIVE_COUNT_MAX = 3;
