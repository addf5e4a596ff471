import { Type, type TIntersect, type TObject, type TProperties, type TSchema } from 'typebox';
import { defineRoute } from '../define-route.ts';
import { PolicyFields, PolicyJson } from '../schemas/access-token-policy.ts';
import { AccessTokenGrant, errorResponses, Uuid } from '../schemas/common.ts';

/**
 * The three routes every identity-based login method has (Infisical's API):
 *
 *   POST /api/v1/auth/<method>/identities/:identityId   attach (admin) → {<responseKey>}
 *   GET  /api/v1/auth/<method>/identities/:identityId   read (admin)   → {<responseKey>}
 *   POST /api/v1/auth/<method>/login                    the method's credential → access token
 *
 * The attach body is the method's fields plus the access-token policy ({@link PolicyFields});
 * the configuration shown is the policy ({@link PolicyJson}) plus the method's fields, never a
 * secret. A refused login is a 401 whose message says why.
 */
export interface LoginMethodRoutesSpec<
  M extends string,
  K extends string,
  A extends TSchema,
  C extends TSchema,
  L extends TSchema,
> {
  /** The path segment, e.g. 'kubernetes-auth'. */
  method: M;
  /** The key of the configuration in attach/read answers, e.g. 'identityKubernetesAuth'. */
  responseKey: K;
  /** How messages and OpenAPI name the method, e.g. 'Kubernetes auth'. */
  title: string;
  /** The method's own attach fields (the access-token policy fields are added). */
  attachFields: A;
  /** The method's own fields of the stored configuration as shown. */
  configFields: C;
  loginBody: L;
}

export function loginMethodRoutes<
  const M extends string,
  const K extends string,
  A extends TSchema,
  C extends TSchema,
  L extends TSchema,
>(spec: LoginMethodRoutesSpec<M, K, A, C, L>) {
  const params = Type.Object({ identityId: Uuid });
  const configSchema = Type.Intersect([PolicyJson, spec.configFields]);
  const answer = Type.Object({ [spec.responseKey]: configSchema }) as unknown as TObject<
    Record<K, TIntersect<[typeof PolicyJson, C]>> & TProperties
  >;
  const tags = [spec.method];
  return {
    ...spec,
    attach: defineRoute({
      method: 'POST',
      path: `/api/v1/auth/${spec.method}/identities/:identityId` as const,
      auth: 'identity',
      tags,
      summary: `Attach ${spec.title} to an identity`,
      params,
      body: Type.Intersect([PolicyFields, spec.attachFields]),
      response: { 200: answer, ...errorResponses },
    }),
    get: defineRoute({
      method: 'GET',
      path: `/api/v1/auth/${spec.method}/identities/:identityId` as const,
      auth: 'identity',
      tags,
      summary: `Read an identity's ${spec.title} configuration`,
      params,
      response: { 200: answer, ...errorResponses },
    }),
    login: defineRoute({
      method: 'POST',
      path: `/api/v1/auth/${spec.method}/login` as const,
      auth: 'none',
      tags,
      summary: `Log in with ${spec.title}`,
      body: spec.loginBody,
      response: { 200: AccessTokenGrant, ...errorResponses },
    }),
  };
}

/** The routes of one login method (see {@link loginMethodRoutes}). */
export type LoginMethodRoutes = ReturnType<typeof loginMethodRoutes>;

/** Login body of the JWT-presenting methods: {identityId, jwt}. */
export const JwtLoginBody = Type.Object({
  identityId: Uuid,
  jwt: Type.String({ minLength: 1, maxLength: 16_384 }),
  organizationSlug: Type.Optional(Type.String()),
});

/** OIDC/JWT bound claims: claim name → allowed value(s). */
export const BoundClaims = Type.Record(
  Type.String({ minLength: 1, maxLength: 256 }),
  Type.String({ maxLength: 4096 }),
);

/**
 * Kubernetes auth (reference §7): attach with kubernetesHost, caCert, tokenReviewerJwt,
 * allowedNamespaces, allowedNames, allowedAudience; login `{identityId, jwt}`. The token
 * reviewer JWT is sealed at rest and never shown.
 */
export const kubernetesAuth = loginMethodRoutes({
  method: 'kubernetes-auth',
  responseKey: 'identityKubernetesAuth',
  title: 'Kubernetes auth',
  attachFields: Type.Object({
    kubernetesHost: Type.String({ minLength: 1, maxLength: 2048 }),
    caCert: Type.Optional(Type.String({ maxLength: 65_536 })),
    tokenReviewerJwt: Type.Optional(Type.String({ maxLength: 16_384 })),
    allowedNamespaces: Type.Optional(Type.String({ maxLength: 4096 })),
    allowedNames: Type.Optional(Type.String({ maxLength: 4096 })),
    allowedAudience: Type.Optional(Type.String({ maxLength: 1024 })),
  }),
  configFields: Type.Object({
    kubernetesHost: Type.String(),
    caCert: Type.String(),
    hasTokenReviewerJwt: Type.Boolean(),
    allowedNamespaces: Type.String(),
    allowedNames: Type.String(),
    allowedAudience: Type.String(),
  }),
  loginBody: JwtLoginBody,
});

/**
 * AWS IAM auth (reference §7): attach with stsEndpoint, allowedPrincipalArns, allowedAccountIds;
 * login `{identityId, iamHttpRequestMethod, iamRequestBody, iamRequestHeaders}` (a signed
 * sts:GetCallerIdentity the control plane forwards to STS).
 */
export const awsAuth = loginMethodRoutes({
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
});

/**
 * Azure auth (reference §7): attach with tenantId, resource, allowedServicePrincipalIds; login
 * `{identityId, jwt}`.
 */
export const azureAuth = loginMethodRoutes({
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
});

/**
 * GCP auth (reference §7): attach with type (`gce` for ID tokens, `iam` for IAM-signed JWTs),
 * allowedServiceAccounts, allowedProjects, allowedZones; login `{identityId, jwt}` serves both
 * client methods (gcp-id-token and gcp-iam).
 */
export const gcpAuth = loginMethodRoutes({
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
});

/**
 * OIDC auth (reference §7): attach with oidcDiscoveryUrl, caCert, boundIssuer, boundAudiences,
 * boundClaims, boundSubject; login `{identityId, jwt}`.
 */
export const oidcAuth = loginMethodRoutes({
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
});

/**
 * JWT auth (reference §7): attach with configurationType (`jwks` | `static`), jwksUrl, jwksCaCert,
 * publicKeys, boundIssuer, boundAudiences, boundClaims, boundSubject; login `{identityId, jwt}`.
 */
export const jwtAuth = loginMethodRoutes({
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
});
