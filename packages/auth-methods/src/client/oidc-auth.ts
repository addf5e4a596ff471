import { routes } from '@burrow/platform-api';
import type { AuthFlags } from './auth-flags.ts';
import { jwtFromSettings } from './jwt-source.ts';
import type { LoginRequest } from './login-request.ts';
import { machineIdentityId } from './machine-identity-id.ts';

/**
 * OIDC auth, client side (reference §7): an ID token from any OpenID Connect provider (a CI
 * system's workload token, a SPIFFE JWT-SVID, ...), checked by the control plane against the
 * provider's discovery document and JWKS.
 *
 *   --machine-identity-id  INFISICAL_MACHINE_IDENTITY_ID (or INFISICAL_OIDC_AUTH_IDENTITY_ID)
 *   --jwt                  INFISICAL_JWT (deprecated: INFISICAL_OIDC_AUTH_JWT)
 *
 *   POST /v1/auth/oidc-auth/login {identityId, jwt}
 */
export interface OidcLogin {
  method: 'oidc-auth';
  identityId: string;
  jwt: string;
}

export function resolveOidcLogin(flags: AuthFlags, env: NodeJS.ProcessEnv): OidcLogin {
  return {
    method: 'oidc-auth',
    identityId: machineIdentityId(flags, env, 'oidc-auth', 'INFISICAL_OIDC_AUTH_IDENTITY_ID'),
    jwt: jwtFromSettings(flags, env, 'oidc-auth'),
  };
}

export function oidcLoginRequest(options: OidcLogin): LoginRequest {
  return {
    route: routes.oidcAuthLogin,
    body: { identityId: options.identityId, jwt: options.jwt },
  };
}
