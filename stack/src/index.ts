export * from './burrow-cli.ts';
export * from './gateway-routes.ts';
export * from './echo-target.ts';
export * from './local-stack.ts';
export * from './managed-process.ts';
export * from './pam-admin.ts';
export * from './fault-proxy.ts';
export * from './universal-auth-identity.ts';
