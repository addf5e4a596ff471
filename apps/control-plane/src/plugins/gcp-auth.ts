import { gcpAuthConfig, verifyGcpLogin } from '@burrow/auth-methods';
import { Type } from '@fastify/type-provider-typebox';
import { JwtLoginBody, loginMethodPlugin } from './login-method-routes.ts';

/**
 * GCP auth (reference §7): `POST /api/v1/auth/gcp-auth/identities/:identityId` with type
 * (`gce` for ID tokens, `iam` for IAM-signed JWTs), allowedServiceAccounts, allowedProjects,
 * allowedZones; `POST /api/v1/auth/gcp-auth/login {identityId, jwt}` serves both client methods
 * (gcp-id-token and gcp-iam).
 */
export const gcpAuthPlugin = loginMethodPlugin({
  method: 'gcp-auth',
  responseKey: 'identityGcpAuth',
  title: 'GCP auth',
  attachFields: Type.Object({
    type: Type.Union([Type.Literal('gce'), Type.Literal('iam')]),
    allowedServiceAccounts: Type.Optional(Type.String({ maxLength: 8192 })),
    allowedProjects: Type.Optional(Type.String({ maxLength: 4096 })),
    allowedZones: Type.Optional(Type.String({ maxLength: 4096 })),
  }),
  configFields: Type.Object({
    type: Type.String(),
    allowedServiceAccounts: Type.String(),
    allowedProjects: Type.String(),
    allowedZones: Type.String(),
  }),
  loginBody: JwtLoginBody,
  toConfig: (body) => gcpAuthConfig(body),
  toJson: (config) => ({
    type: config.type,
    allowedServiceAccounts: config.allowedServiceAccounts,
    allowedProjects: config.allowedProjects,
    allowedZones: config.allowedZones,
  }),
  verify: (config, body, request, context) =>
    verifyGcpLogin(
      config,
      { identityId: body.identityId, jwt: body.jwt, clientIp: request.ip },
      { jwks: context.jwks, endpoints: context.identityProviders },
    ),
});
