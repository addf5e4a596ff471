import { oidcAuthConfig, verifyOidcLogin } from '@burrow/auth-methods';
import { oidcAuth } from '@burrow/platform-api';
import { loginMethodPlugin } from './login-method-routes.ts';

/**
 * OIDC auth (reference §7): `POST /api/v1/auth/oidc-auth/identities/:identityId` with
 * oidcDiscoveryUrl, caCert, boundIssuer, boundAudiences, boundClaims, boundSubject;
 * `POST /api/v1/auth/oidc-auth/login {identityId, jwt}`.
 */
export const oidcAuthPlugin = loginMethodPlugin({
  routes: oidcAuth,
  toConfig: (body) => oidcAuthConfig(body),
  toJson: (config) => ({
    oidcDiscoveryUrl: config.oidcDiscoveryUrl,
    caCert: config.caCert,
    boundIssuer: config.boundIssuer,
    boundAudiences: config.boundAudiences,
    boundClaims: config.boundClaims,
    boundSubject: config.boundSubject,
  }),
  verify: (config, body, request, providers) =>
    verifyOidcLogin(
      config,
      { identityId: body.identityId, jwt: body.jwt, clientIp: request.ip },
      { jwks: providers.jwks },
    ),
});
