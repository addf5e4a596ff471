/**
 * @burrow/test-support — what the tests of several packages share, so that each is written once:
 * a free loopback port, a throwaway PostgreSQL server and a check for repeated JSON keys.
 * Private: only ever a devDependency (the local stack, which runs the same PostgreSQL server for
 * its demo, is the one exception).
 */
export * from './free-port.ts';
export * from './postgres-server.ts';
export * from './process-state.ts';
export * from './repeated-json-keys.ts';
