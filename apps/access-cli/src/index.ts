/**
 * @burrow/access-cli — the `burrow` CLI (bin: dist/main.js). Its public face for other packages'
 * tests: the command line, the PAM access session, and the pieces with their own contracts
 * (credential file, durations, output formats).
 */
export * from './cli.ts';
export * from './cli-error.ts';
export * from './config-dir.ts';
export * from './control-plane.ts';
export * from './credentials-store.ts';
export * from './duration.ts';
export * from './output-format.ts';
export * from './pam-access-session.ts';
export * from './postgres-error-reply.ts';
export * from './relay-address.ts';
