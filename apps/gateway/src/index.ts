/**
 * @burrow/gateway — the gateway as a library (the `burrow-gateway` binary is main.ts). Exported
 * for tests and for tools that embed a gateway; apps must not import each other.
 */
export * from './actions/action.ts';
export { endStream, STREAM_CLOSE_LINGER_MS } from './actions/close-stream.ts';
export { handleHealth } from './actions/health.ts';
export { handlePing } from './actions/ping.ts';
export { createTcpProxyHandler, type TcpProxyOptions } from './actions/tcp-proxy.ts';
export * from './gateway.ts';
export * from './ops/gateway-config.ts';
export * from './platform/gateway-heartbeat.ts';
export * from './platform/gateway-registration.ts';
export * from './tunnel/inner-tls-server.ts';
export * from './tunnel/relay-dialer.ts';
export * from './tunnel/relay-tunnel.ts';
