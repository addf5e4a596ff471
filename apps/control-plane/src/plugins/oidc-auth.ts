import { oidcAuthConfig, verifyOidcLogin } from '@burrow/auth-methods';
import { Type } from '@fastify/type-provider-typebox';
import { JwtLoginBody, loginMethodPlugin } from './login-method-routes.ts';

/**
 * OIDC auth (reference §7): `POST /api/v1/auth/oidc-auth/identities/:identityId` with
 * oidcDiscoveryUrl, caCert, boundIssuer, boundAudiences, boundClaims, boundSubject;
 * `POST /api/v1/auth/oidc-auth/login {identityId, jwt}`.
 */
export const BoundClaims = Type.Record(
  Type.String({ minLength: 1, maxLength: 256 }),
  Type.String({ maxLength: 4096 }),
);

export const oidcAuthPlugin = loginMethodPlugin({
  method: 'oidc-auth',
  responseKey: 'identityOidcAuth',
  title: 'OIDC auth',
  attachFields: Type.Object({
    oidcDiscoveryUrl: Type.String({ minLength: 1, maxLength: 2048 }),
    caCert: Type.Optional(Type.String({ maxLength: 65_536 })),
    boundIssuer: Type.Optional(Type.String({ maxLength: 2048 })),
    boundAudiences: Type.Optional(Type.String({ maxLength: 4096 })),
    boundClaims: Type.Optional(BoundClaims),
    boundSubject: Type.Optional(Type.String({ maxLength: 2048 })),
  }),
  configFields: Type.Object({
    oidcDiscoveryUrl: Type.String(),
    caCert: Type.String(),
    boundIssuer: Type.String(),
    boundAudiences: Type.String(),
    boundClaims: BoundClaims,
    boundSubject: Type.String(),
  }),
  loginBody: JwtLoginBody,
  toConfig: (body) => oidcAuthConfig(body),
  toJson: (config) => ({
    oidcDiscoveryUrl: config.oidcDiscoveryUrl,
    caCert: config.caCert,
    boundIssuer: config.boundIssuer,
    boundAudiences: config.boundAudiences,
    boundClaims: config.boundClaims,
    boundSubject: config.boundSubject,
  }),
  verify: (config, body, request, context) =>
    verifyOidcLogin(
      config,
      { identityId: body.identityId, jwt: body.jwt, clientIp: request.ip },
      { jwks: context.jwks },
    ),
});
