import { awsIamAuthConfig, verifyAwsIamLogin } from '@burrow/auth-methods';
import { awsAuth } from '@burrow/platform-api';
import { loginMethodPlugin } from './login-method-routes.ts';

/**
 * AWS IAM auth (reference §7): `POST /api/v1/auth/aws-auth/identities/:identityId` with
 * stsEndpoint, allowedPrincipalArns, allowedAccountIds; `POST /api/v1/auth/aws-auth/login
 * {identityId, iamHttpRequestMethod, iamRequestBody, iamRequestHeaders}` (a signed
 * sts:GetCallerIdentity the control plane forwards to STS).
 */
export const awsAuthPlugin = loginMethodPlugin({
  routes: awsAuth,
  toConfig: (body) => awsIamAuthConfig(body),
  toJson: (config) => ({
    type: 'iam' as const,
    stsEndpoint: config.stsEndpoint,
    allowedPrincipalArns: config.allowedPrincipalArns,
    allowedAccountIds: config.allowedAccountIds,
  }),
  verify: (config, body, request) => verifyAwsIamLogin(config, { ...body, clientIp: request.ip }),
});
