import { azureAuthConfig, verifyAzureLogin } from '@burrow/auth-methods';
import { azureAuth } from '@burrow/platform-api';
import { loginMethodPlugin } from './login-method-routes.ts';

/**
 * Azure auth (reference §7): `POST /api/v1/auth/azure-auth/identities/:identityId` with tenantId,
 * resource, allowedServicePrincipalIds; `POST /api/v1/auth/azure-auth/login {identityId, jwt}`.
 */
export const azureAuthPlugin = loginMethodPlugin({
  routes: azureAuth,
  toConfig: (body) => azureAuthConfig(body),
  toJson: (config) => ({
    tenantId: config.tenantId,
    resource: config.resource,
    allowedServicePrincipalIds: config.allowedServicePrincipalIds,
  }),
  verify: (config, body, request, providers) =>
    verifyAzureLogin(
      config,
      { identityId: body.identityId, jwt: body.jwt, clientIp: request.ip },
      { jwks: providers.jwks, endpoints: providers.identityProviders },
    ),
});
