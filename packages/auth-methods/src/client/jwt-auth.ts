import { routes } from '@burrow/platform-api';
import type { AuthFlags } from './auth-flags.ts';
import { jwtFromSettings } from './jwt-source.ts';
import type { LoginRequest } from './login-request.ts';
import { machineIdentityId } from './machine-identity-id.ts';

/**
 * JWT auth, client side (reference §7): a JWT signed by a key the identity's configuration
 * trusts (static public keys or a JWKS URL).
 *
 *   --machine-identity-id  INFISICAL_MACHINE_IDENTITY_ID
 *   --jwt                  INFISICAL_JWT
 *
 *   POST /v1/auth/jwt-auth/login {identityId, jwt}
 */
export interface JwtLogin {
  method: 'jwt-auth';
  identityId: string;
  jwt: string;
}

export function resolveJwtLogin(flags: AuthFlags, env: NodeJS.ProcessEnv): JwtLogin {
  return {
    method: 'jwt-auth',
    identityId: machineIdentityId(flags, env, 'jwt-auth'),
    jwt: jwtFromSettings(flags, env, 'jwt-auth'),
  };
}

export function jwtLoginRequest(options: JwtLogin): LoginRequest {
  return {
    route: routes.jwtAuthLogin,
    body: { identityId: options.identityId, jwt: options.jwt },
  };
}
