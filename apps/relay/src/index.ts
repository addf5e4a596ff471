/**
 * @burrow/relay — the relay's building blocks, exported for tests and tooling. The program itself
 * is `burrow-relay` (main.ts).
 */
export * from './caller-listener.ts';
export * from './client-ca-chain.ts';
export * from './gateway-registry.ts';
export * from './relay-config.ts';
export * from './relay-heartbeat.ts';
export * from './relay-registration.ts';
export * from './relay.ts';
