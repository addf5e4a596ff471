import { AuthError, type AccessTokenPolicy, type VerifiedLogin } from '@burrow/auth-methods';
import type { PolicyFields, RouteSpec } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Static, TSchema } from 'typebox';
import { authenticate, manageableIdentity } from '../app/authenticate.ts';
import type { ControlPlaneContext } from '../app/control-plane-context.ts';
import { badRequest } from '../app/http-error.ts';
import { isoTime } from '../app/iso-time.ts';
import type { IdentityLoginMethod, StoredLoginMethod } from '../stores/login-method-store.ts';
import { declaredRoute } from './declared-route.ts';
import type { PluginOptions } from './plugin-options.ts';

/**
 * The three routes every identity-based login method has (contract: @burrow/platform-api
 * loginMethodRoutes: attach (admin), read (admin), login with the method's credential).
 *
 * A method plugin supplies its routes, the conversion from the attach body to its validated
 * configuration, the JSON it shows (never a secret), and the verifier. A refused login is a 401
 * whose message says why; no token is issued. The log names the identity and the verified
 * subject, never the credential.
 */
export interface LoginMethodSpec<
  Config extends AccessTokenPolicy,
  Attach extends TSchema,
  Login extends TSchema,
> {
  routes: {
    method: IdentityLoginMethod;
    /** e.g. 'identityKubernetesAuth'. */
    responseKey: string;
    title: string;
    attachFields: Attach;
    loginBody: Login;
    attach: RouteSpec;
    get: RouteSpec;
    login: RouteSpec;
  };
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

type PolicyBody = Static<typeof PolicyFields>;

/** The PolicyJson (@burrow/platform-api) of one identity's stored method configuration. */
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

export function loginMethodPlugin<
  Config extends AccessTokenPolicy,
  Attach extends TSchema,
  Login extends TSchema,
>(spec: LoginMethodSpec<Config, Attach, Login>): FastifyPluginAsyncTypebox<PluginOptions> {
  const { routes } = spec;
  return async (app, { context }) => {
    const json = (stored: StoredLoginMethod<Config>) => ({
      [routes.responseKey]: {
        ...policyJson(stored, stored.config),
        ...spec.toJson(stored.config),
      },
    });

    app.route({
      ...declaredRoute(routes.attach),
      handler: async (request) => {
        const caller = authenticate(context, request);
        const { identityId } = request.params as { identityId: string };
        const identity = manageableIdentity(context, caller, identityId);
        const config = spec.toConfig(
          request.body as Static<Attach> & PolicyBody,
          identity.id,
          context,
        );
        const stored = context.loginMethods.attach(identity.id, routes.method, config);
        if (!stored) throw badRequest(`${routes.title} is already configured for this identity`);
        request.log.info(
          { identityId: identity.id, method: routes.method },
          'login method attached',
        );
        return json(stored);
      },
    });

    app.route({
      ...declaredRoute(routes.get),
      handler: async (request) => {
        const caller = authenticate(context, request);
        const { identityId } = request.params as { identityId: string };
        const identity = manageableIdentity(context, caller, identityId);
        const stored = context.loginMethods.get<Config>(identity.id, routes.method);
        if (!stored) throw badRequest(`${routes.title} is not configured for this identity`);
        return json(stored);
      },
    });

    app.route({
      ...declaredRoute(routes.login),
      handler: async (request) => {
        const body = request.body as Static<Login> & { identityId: string };
        const stored = context.loginMethods.get<Config>(body.identityId, routes.method);
        if (!stored || !context.identities.get(body.identityId)) {
          throw new AuthError(
            'INVALID_CREDENTIALS',
            `${routes.title} is not configured for identity ${body.identityId}`,
          );
        }
        try {
          const verified = await spec.verify(stored.config, body, request, context);
          const grant = context.accessTokens.issue(body.identityId, routes.method, stored.config);
          request.log.info(
            { identityId: body.identityId, method: routes.method, subject: verified.subject },
            'login',
          );
          return grant;
        } catch (error) {
          if (error instanceof AuthError) {
            request.log.info(
              { identityId: body.identityId, method: routes.method, code: error.code },
              'login refused',
            );
          }
          throw error;
        }
      },
    });
  };
}
