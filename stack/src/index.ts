export * from './burrow-cli.ts';
export * from './control-plane-client.ts';
export * from './echo-target.ts';
export * from './local-stack.ts';
export * from './managed-process.ts';
export * from './pam-api.ts';
export * from './fault-proxy.ts';
