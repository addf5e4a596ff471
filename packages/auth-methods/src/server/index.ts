/**
 * Server-side verifiers for machine-identity login methods, independent of any storage: the
 * control plane keeps the records, these functions decide.
 */
export * from './access-token.ts';
export * from './access-token-policy.ts';
export * from './auth-error.ts';
export * from './secret-digest.ts';
export * from './token-auth.ts';
export * from './trusted-ips.ts';
export * from './universal-auth.ts';
