/**
 * @burrow/platform-api — the HTTP contract between every process and the control plane: each
 * route's method, path, auth and TypeBox schemas (exported once, served by the control plane,
 * called through {@link PlatformClient}).
 */
export {
  defineRoute,
  routeSchema,
  successSchema,
  SECURITY_SCHEMES,
  type HttpMethod,
  type Route,
  type RouteAuth,
  type RouteSpec,
  type RouteBody,
  type RouteParams,
  type RouteQuery,
  type RouteResponse,
  type RouteInput,
  type RouteArgs,
} from './define-route.ts';
export {
  PlatformClient,
  AGENT_VERSION_HEADER,
  PLATFORM_REQUEST_TIMEOUT_MS,
  PLATFORM_REQUEST_RETRIES,
  FIRST_RETRY_DELAY_MS,
  MAX_RETRY_DELAY_MS,
  type CallArgs,
  type CallInput,
  type CallOptions,
  type PlatformClientOptions,
  type TokenSupplier,
} from './platform-client.ts';
export { CLIENT_OWNED_HEADERS, parseCustomHeaders } from './custom-headers.ts';
export { PlatformError, type PlatformErrorKind, type PlatformErrorInit } from './platform-error.ts';
export * from './schemas/common.ts';
export * from './schemas/pam.ts';
export * from './schemas/dynamic-secrets.ts';
export * from './schemas/access-token-policy.ts';
export { routes, allRoutes, loginMethods } from './routes/index.ts';
export * from './routes/health.ts';
export * from './routes/admin.ts';
export * from './routes/identities.ts';
export * from './routes/user-sign-in.ts';
export * from './routes/access-tokens.ts';
export * from './routes/universal-auth.ts';
export * from './routes/token-auth.ts';
export * from './routes/login-methods.ts';
export * from './routes/relays.ts';
export * from './routes/resource-token-auth.ts';
export * from './routes/gateways.ts';
export * from './routes/pam-resources.ts';
export * from './routes/pam-accounts.ts';
export * from './routes/pam-grants.ts';
export * from './routes/pam-access.ts';
export * from './routes/pam-sessions.ts';
export * from './routes/pam-session-recordings.ts';
export * from './routes/pam-account-rotation.ts';
export * from './routes/dynamic-secrets.ts';
export * from './routes/dynamic-secret-leases.ts';
export * from './routes/audit-logs.ts';
