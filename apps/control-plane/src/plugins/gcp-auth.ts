import { gcpAuthConfig, verifyGcpLogin } from '@burrow/auth-methods';
import { gcpAuth } from '@burrow/platform-api';
import { loginMethodPlugin } from './login-method-routes.ts';

/**
 * GCP auth (reference §7): `POST /api/v1/auth/gcp-auth/identities/:identityId` with type
 * (`gce` for ID tokens, `iam` for IAM-signed JWTs), allowedServiceAccounts, allowedProjects,
 * allowedZones; `POST /api/v1/auth/gcp-auth/login {identityId, jwt}` serves both client methods
 * (gcp-id-token and gcp-iam).
 */
export const gcpAuthPlugin = loginMethodPlugin({
  routes: gcpAuth,
  toConfig: (body) => gcpAuthConfig(body),
  toJson: (config) => ({
    type: config.type,
    allowedServiceAccounts: config.allowedServiceAccounts,
    allowedProjects: config.allowedProjects,
    allowedZones: config.allowedZones,
  }),
  verify: (config, body, request, providers) =>
    verifyGcpLogin(
      config,
      { identityId: body.identityId, jwt: body.jwt, clientIp: request.ip },
      { jwks: providers.jwks, endpoints: providers.identityProviders },
    ),
});
