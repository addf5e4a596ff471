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
export * from './aws-iam-auth-verifier.ts';
export * from './azure-auth-verifier.ts';
export * from './bound-claims.ts';
export * from './gcp-auth-verifier.ts';
export * from './identity-provider-endpoints.ts';
export * from './jwks-cache.ts';
export * from './jwt-auth-verifier.ts';
export * from './jwt-verification.ts';
export * from './kubernetes-auth-verifier.ts';
export * from './login-binding.ts';
export * from './login-method-config.ts';
export * from './oidc-auth-verifier.ts';
export * from './provider-address-policy.ts';
export * from './provider-request.ts';
export * from './resource-access-token.ts';
