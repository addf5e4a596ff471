/**
 * @burrow/tunnel-protocol — what both ends of every hop agree on: ports, ALPN names, the relay
 * routing rule, heartbeat replies, limits and timeouts, the caller-side dialer, and the schedules
 * the hops run (reconnect backoff, periodic tasks on an injectable clock).
 */
export * from './alpn.ts';
export * from './caller-dialer.ts';
export * from './clock.ts';
export * from './connection-test.ts';
export * from './handshake-slots.ts';
export * from './drain-notice.ts';
export * from './heartbeat.ts';
export * from './http-proxy.ts';
export * from './limits.ts';
export * from './pam-capabilities.ts';
export * from './periodic-task.ts';
export * from './ports.ts';
export * from './reconnect-backoff.ts';
export * from './relay-failure-memory.ts';
export * from './relay-failover.ts';
export * from './relay-routing.ts';
export * from './splice.ts';
