import { azureAuthConfig, verifyAzureLogin } from '@burrow/auth-methods';
import { Type } from '@fastify/type-provider-typebox';
import { JwtLoginBody, loginMethodPlugin } from './login-method-routes.ts';

/**
 * Azure auth (reference §7): `POST /api/v1/auth/azure-auth/identities/:identityId` with tenantId,
 * resource, allowedServicePrincipalIds; `POST /api/v1/auth/azure-auth/login {identityId, jwt}`.
 */
export const azureAuthPlugin = loginMethodPlugin({
  method: 'azure-auth',
  responseKey: 'identityAzureAuth',
  title: 'Azure auth',
  attachFields: Type.Object({
    tenantId: Type.String({ minLength: 1, maxLength: 128 }),
    resource: Type.Optional(Type.String({ maxLength: 1024 })),
    allowedServicePrincipalIds: Type.Optional(Type.String({ maxLength: 8192 })),
  }),
  configFields: Type.Object({
    tenantId: Type.String(),
    resource: Type.String(),
    allowedServicePrincipalIds: Type.String(),
  }),
  loginBody: JwtLoginBody,
  toConfig: (body) => azureAuthConfig(body),
  toJson: (config) => ({
    tenantId: config.tenantId,
    resource: config.resource,
    allowedServicePrincipalIds: config.allowedServicePrincipalIds,
  }),
  verify: (config, body, request, context) =>
    verifyAzureLogin(
      config,
      { identityId: body.identityId, jwt: body.jwt, clientIp: request.ip },
      { jwks: context.jwks, endpoints: context.identityProviders },
    ),
});
