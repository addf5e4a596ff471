/**
 * @burrow/auth-methods/testing — identity providers for tests, each a real protocol
 * implementation on loopback: an OIDC issuer (discovery + JWKS), a Kubernetes TokenReview API over
 * HTTPS with its own CA, an AWS STS that checks SigV4 signatures, Google Cloud's metadata server,
 * OAuth token endpoint, IAM signJwt and key endpoints, and Azure's IMDS and tenant JWKS.
 * Not for production use.
 */
export * from './aws-sts-server.ts';
export * from './azure-server.ts';
export * from './google-cloud-server.ts';
export * from './kubernetes-api-server.ts';
export * from './loopback-server.ts';
export * from './oidc-issuer.ts';
export * from './signing-key.ts';
