import { jwtAuthConfig, verifyJwtLogin } from '@burrow/auth-methods';
import { Type } from '@fastify/type-provider-typebox';
import { JwtLoginBody, loginMethodPlugin } from './login-method-routes.ts';
import { BoundClaims } from './oidc-auth.ts';

/**
 * JWT auth (reference §7): `POST /api/v1/auth/jwt-auth/identities/:identityId` with
 * configurationType (`jwks` | `static`), jwksUrl, jwksCaCert, publicKeys, boundIssuer,
 * boundAudiences, boundClaims, boundSubject; `POST /api/v1/auth/jwt-auth/login {identityId, jwt}`.
 */
export const jwtAuthPlugin = loginMethodPlugin({
  method: 'jwt-auth',
  responseKey: 'identityJwtAuth',
  title: 'JWT auth',
  attachFields: Type.Object({
    configurationType: Type.Union([Type.Literal('jwks'), Type.Literal('static')]),
    jwksUrl: Type.Optional(Type.String({ maxLength: 2048 })),
    jwksCaCert: Type.Optional(Type.String({ maxLength: 65_536 })),
    publicKeys: Type.Optional(Type.Array(Type.String({ maxLength: 16_384 }), { maxItems: 20 })),
    boundIssuer: Type.Optional(Type.String({ maxLength: 2048 })),
    boundAudiences: Type.Optional(Type.String({ maxLength: 4096 })),
    boundClaims: Type.Optional(BoundClaims),
    boundSubject: Type.Optional(Type.String({ maxLength: 2048 })),
  }),
  configFields: Type.Object({
    configurationType: Type.String(),
    jwksUrl: Type.String(),
    jwksCaCert: Type.String(),
    publicKeys: Type.Array(Type.String()),
    boundIssuer: Type.String(),
    boundAudiences: Type.String(),
    boundClaims: BoundClaims,
    boundSubject: Type.String(),
  }),
  loginBody: JwtLoginBody,
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
  verify: (config, body, request, context) =>
    verifyJwtLogin(
      config,
      { identityId: body.identityId, jwt: body.jwt, clientIp: request.ip },
      { jwks: context.jwks },
    ),
});
