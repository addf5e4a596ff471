import { jwtAuthConfig, verifyJwtLogin } from '@burrow/auth-methods';
import { jwtAuth } from '@burrow/platform-api';
import { loginMethodPlugin } from './login-method-routes.ts';

/**
 * JWT auth (reference §7): `POST /api/v1/auth/jwt-auth/identities/:identityId` with
 * configurationType (`jwks` | `static`), jwksUrl, jwksCaCert, publicKeys, boundIssuer,
 * boundAudiences, boundClaims, boundSubject; `POST /api/v1/auth/jwt-auth/login {identityId, jwt}`.
 */
export const jwtAuthPlugin = loginMethodPlugin({
  routes: jwtAuth,
  toConfig: (body) => jwtAuthConfig(body),
  toJson: (config) => ({
    configurationType: config.configurationType,
    jwksUrl: config.jwksUrl,
    jwksCaCert: config.jwksCaCert,
    publicKeys: config.publicKeys,
    boundIssuer: config.boundIssuer,
    boundAudiences: config.boundAudiences,
    boundClaims: config.boundClaims,
    boundSubject: config.boundSubject,
  }),
  verify: (config, body, request, providers) =>
    verifyJwtLogin(
      config,
      { identityId: body.identityId, jwt: body.jwt, clientIp: request.ip },
      { jwks: providers.jwks },
    ),
});
