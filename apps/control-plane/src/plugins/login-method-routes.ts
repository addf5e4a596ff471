import { AuthError, type AccessTokenPolicy, type VerifiedLogin } from '@burrow/auth-methods';
import { Type, type FastifyPluginAsyncTypebox, type TSchema } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import { authenticate, manageableIdentity } from '../app/authenticate.ts';
import type { ControlPlaneContext } from '../app/control-plane-context.ts';
import {
  AccessTokenGrant,
  bearerAuth,
  errorResponses,
  isoTime,
  TrustedIp,
  Ttl,
  Uuid,
} from '../app/common-schemas.ts';
import { badRequest } from '../app/http-error.ts';
import type { IdentityLoginMethod, StoredLoginMethod } from '../stores/login-method-store.ts';
import type { PluginOptions } from './plugin-options.ts';

/**
 * The three routes every identity-based login method has (Infisical's API):
 *
 *   POST /api/v1/auth/<method>/identities/:identityId   attach (admin) → {<responseKey>}
 *   GET  /api/v1/auth/<method>/identities/:identityId   read (admin)   → {<responseKey>}
 *   POST /api/v1/auth/<method>/login                    the method's credential → access token
 *
 * A method plugin supplies the schemas, the conversion from the attach body to its validated
 * configuration, the JSON it shows (never a secret), and the verifier. A refused login is a 401
 * whose message says why; no token is issued. The log names the identity and the verified
 * subject, never the credential.
 */
export interface LoginMethodSpec<
  Config extends AccessTokenPolicy,
  Attach extends TSchema,
  Login extends TSchema,
> {
  method: IdentityLoginMethod;
  /** e.g. 'identityKubernetesAuth'. */
  responseKey: string;
  title: string;
  /** The method's own attach fields (the access-token policy fields are added). */
  attachFields: Attach;
  /** The method's own fields of the stored configuration as shown. */
  configFields: TSchema;
  loginBody: Login;
  toConfig(
    body: Static<Attach> & PolicyBody,
    identityId: string,
    context: ControlPlaneContext,
  ): Config;
  toJson(config: Config): object;
  verify(
    config: Config,
    body: Static<Login>,
    request: FastifyRequest,
    context: ControlPlaneContext,
  ): Promise<VerifiedLogin>;
}

/** The attach-body fields every identity-based method has: its access-token policy. */
export const PolicyFields = Type.Object({
  accessTokenTTL: Type.Optional(Ttl),
  accessTokenMaxTTL: Type.Optional(Ttl),
  accessTokenNumUsesLimit: Type.Optional(Type.Integer({ minimum: 0 })),
  accessTokenTrustedIps: Type.Optional(Type.Array(TrustedIp, { minItems: 1, maxItems: 100 })),
});
type PolicyBody = Static<typeof PolicyFields>;

/** How an identity's method configuration shows its access-token policy (see policyJson). */
export const PolicyJson = Type.Object({
  id: Type.String(),
  identityId: Type.String(),
  accessTokenTTL: Type.Integer(),
  accessTokenMaxTTL: Type.Integer(),
  accessTokenNumUsesLimit: Type.Integer(),
  accessTokenTrustedIps: Type.Array(TrustedIp),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

/** The {@link PolicyJson} of one identity's stored method configuration. */
export function policyJson(
  stored: { identityId: string; createdAt: number; updatedAt: number },
  policy: AccessTokenPolicy,
) {
  return {
    id: stored.identityId,
    identityId: stored.identityId,
    accessTokenTTL: policy.accessTokenTTL,
    accessTokenMaxTTL: policy.accessTokenMaxTTL,
    accessTokenNumUsesLimit: policy.accessTokenNumUsesLimit,
    accessTokenTrustedIps: policy.accessTokenTrustedIps,
    createdAt: isoTime(stored.createdAt) as string,
    updatedAt: isoTime(stored.updatedAt) as string,
  };
}

/** Login body of the JWT-presenting methods: {identityId, jwt}. */
export const JwtLoginBody = Type.Object({
  identityId: Uuid,
  jwt: Type.String({ minLength: 1, maxLength: 16_384 }),
  organizationSlug: Type.Optional(Type.String()),
});

export function loginMethodPlugin<
  Config extends AccessTokenPolicy,
  Attach extends TSchema,
  Login extends TSchema,
>(spec: LoginMethodSpec<Config, Attach, Login>): FastifyPluginAsyncTypebox<PluginOptions> {
  return async (app, { context }) => {
    const params = Type.Object({ identityId: Uuid });
    const configSchema = Type.Intersect([PolicyJson, spec.configFields]);
    const responseSchema = Type.Object({ [spec.responseKey]: configSchema });
    const json = (stored: StoredLoginMethod<Config>) => ({
      [spec.responseKey]: {
        ...policyJson(stored, stored.config),
        ...spec.toJson(stored.config),
      },
    });
    const tag = spec.method;

    app.post(
      `/api/v1/auth/${spec.method}/identities/:identityId`,
      {
        schema: {
          tags: [tag],
          summary: `Attach ${spec.title} to an identity`,
          security: bearerAuth,
          params,
          body: Type.Intersect([PolicyFields, spec.attachFields]),
          response: { 200: responseSchema, ...errorResponses },
        },
      },
      async (request) => {
        const caller = authenticate(context, request);
        const identity = manageableIdentity(context, caller, request.params.identityId);
        const config = spec.toConfig(
          request.body as Static<Attach> & PolicyBody,
          identity.id,
          context,
        );
        const stored = context.loginMethods.attach(identity.id, spec.method, config);
        if (!stored) throw badRequest(`${spec.title} is already configured for this identity`);
        request.log.info({ identityId: identity.id, method: spec.method }, 'login method attached');
        return json(stored);
      },
    );

    app.get(
      `/api/v1/auth/${spec.method}/identities/:identityId`,
      {
        schema: {
          tags: [tag],
          summary: `Read an identity's ${spec.title} configuration`,
          security: bearerAuth,
          params,
          response: { 200: responseSchema, ...errorResponses },
        },
      },
      async (request) => {
        const caller = authenticate(context, request);
        const identity = manageableIdentity(context, caller, request.params.identityId);
        const stored = context.loginMethods.get<Config>(identity.id, spec.method);
        if (!stored) throw badRequest(`${spec.title} is not configured for this identity`);
        return json(stored);
      },
    );

    app.post(
      `/api/v1/auth/${spec.method}/login`,
      {
        schema: {
          tags: [tag],
          summary: `Log in with ${spec.title}`,
          body: spec.loginBody,
          response: { 200: AccessTokenGrant, ...errorResponses },
        },
      },
      async (request) => {
        const body = request.body as Static<Login> & { identityId: string };
        const stored = context.loginMethods.get<Config>(body.identityId, spec.method);
        if (!stored || !context.identities.get(body.identityId)) {
          throw new AuthError(
            'INVALID_CREDENTIALS',
            `${spec.title} is not configured for identity ${body.identityId}`,
          );
        }
        try {
          const verified = await spec.verify(stored.config, body, request, context);
          const grant = context.accessTokens.issue(body.identityId, spec.method, stored.config);
          request.log.info(
            { identityId: body.identityId, method: spec.method, subject: verified.subject },
            'login',
          );
          return grant;
        } catch (error) {
          if (error instanceof AuthError) {
            request.log.info(
              { identityId: body.identityId, method: spec.method, code: error.code },
              'login refused',
            );
          }
          throw error;
        }
      },
    );
  };
}
