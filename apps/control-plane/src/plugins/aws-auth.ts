import { awsIamAuthConfig, verifyAwsIamLogin } from '@burrow/auth-methods';
import { Type } from '@fastify/type-provider-typebox';
import { Uuid } from '../app/common-schemas.ts';
import { loginMethodPlugin } from './login-method-routes.ts';

/**
 * AWS IAM auth (reference §7): `POST /api/v1/auth/aws-auth/identities/:identityId` with
 * stsEndpoint, allowedPrincipalArns, allowedAccountIds; `POST /api/v1/auth/aws-auth/login
 * {identityId, iamHttpRequestMethod, iamRequestBody, iamRequestHeaders}` (a signed
 * sts:GetCallerIdentity the control plane forwards to STS).
 */
export const awsAuthPlugin = loginMethodPlugin({
  method: 'aws-auth',
  responseKey: 'identityAwsAuth',
  title: 'AWS IAM auth',
  attachFields: Type.Object({
    stsEndpoint: Type.Optional(Type.String({ maxLength: 2048 })),
    allowedPrincipalArns: Type.Optional(Type.String({ maxLength: 8192 })),
    allowedAccountIds: Type.Optional(Type.String({ maxLength: 4096 })),
  }),
  configFields: Type.Object({
    type: Type.Literal('iam'),
    stsEndpoint: Type.String(),
    allowedPrincipalArns: Type.String(),
    allowedAccountIds: Type.String(),
  }),
  loginBody: Type.Object({
    identityId: Uuid,
    iamHttpRequestMethod: Type.String({ minLength: 1, maxLength: 16 }),
    iamRequestBody: Type.String({ maxLength: 4096 }),
    iamRequestHeaders: Type.String({ minLength: 1, maxLength: 16_384 }),
  }),
  toConfig: (body) => awsIamAuthConfig(body),
  toJson: (config) => ({
    type: 'iam' as const,
    stsEndpoint: config.stsEndpoint,
    allowedPrincipalArns: config.allowedPrincipalArns,
    allowedAccountIds: config.allowedAccountIds,
  }),
  verify: (config, body, request) => verifyAwsIamLogin(config, { ...body, clientIp: request.ip }),
});
