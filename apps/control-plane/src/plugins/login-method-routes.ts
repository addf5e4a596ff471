import {
  AuthError,
  type AccessTokenPolicy,
  type IdentityProviderEndpoints,
  type JwksCache,
  type VerifiedLogin,
} from '@burrow/auth-methods';
import type { PolicyFields, RouteSpec } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Static, TSchema } from 'typebox';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { LoginMethodService } from '../services/login-method-service.ts';
import type { IdentityLoginMethod, StoredLoginMethod } from '../stores/login-method-store.ts';
import type { Authenticate } from './authenticate.ts';
import { declaredRoute } from './declared-route.ts';
import { isoTime } from './iso-time.ts';

/**
 * The three routes every identity-based login method has (contract: @burrow/platform-api
 * loginMethodRoutes: attach (admin), read (admin), login with the method's credential).
 *
 * A method plugin supplies its routes, the conversion from the attach body to its validated
 * configuration, the JSON it shows (never a secret), and the verifier. A refused login is a 401
 * whose message says why; no token is issued. The log names the identity and the verified
 * subject, never the credential.
 */
/** What the methods' configurations and verifiers use besides the request. */
export interface LoginProviders {
  /** Seals secrets stored in configurations (root key). */
  secretBox: SecretBox;
  /** Identity providers' key sets, shared by every login. */
  jwks: JwksCache;
  identityProviders: IdentityProviderEndpoints;
}

export interface LoginMethodOptions {
  authenticate: Authenticate;
  loginMethods: LoginMethodService;
  providers: LoginProviders;
}

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
    providers: LoginProviders,
  ): Config;
  toJson(config: Config): object;
  verify(
    config: Config,
    body: Static<Login>,
    request: FastifyRequest,
    providers: LoginProviders,
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
>(spec: LoginMethodSpec<Config, Attach, Login>): FastifyPluginAsyncTypebox<LoginMethodOptions> {
  const { routes } = spec;
  return async (app, { authenticate, loginMethods, providers }) => {
    const json = (stored: StoredLoginMethod<Config>) => ({
      [routes.responseKey]: {
        ...policyJson(stored, stored.config),
        ...spec.toJson(stored.config),
      },
    });

    app.route({
      ...declaredRoute(routes.attach),
      handler: async (request) => {
        const caller = authenticate(request);
        const { identityId } = request.params as { identityId: string };
        const stored = loginMethods.attach(caller, identityId, routes, (id) =>
          spec.toConfig(request.body as Static<Attach> & PolicyBody, id, providers),
        );
        request.log.info(
          { identityId: stored.identityId, method: routes.method },
          'login method attached',
        );
        return json(stored);
      },
    });

    app.route({
      ...declaredRoute(routes.get),
      handler: async (request) => {
        const caller = authenticate(request);
        const { identityId } = request.params as { identityId: string };
        return json(loginMethods.get<Config>(caller, identityId, routes));
      },
    });

    app.route({
      ...declaredRoute(routes.login),
      handler: async (request) => {
        const body = request.body as Static<Login> & { identityId: string };
        try {
          const { grant, verified } = await loginMethods.login<Config>(
            body.identityId,
            routes,
            (config) => spec.verify(config, body, request, providers),
          );
          request.log.info(
            { identityId: body.identityId, method: routes.method, subject: verified.subject },
            'login',
          );
          return grant;
        } catch (error) {
          if (error instanceof AuthError) {
            request.log.info(
              {
                identityId: body.identityId,
                method: routes.method,
                code: error.code,
                // What the identity provider said: for the log only, never answered.
                ...(error.detail ? { detail: error.detail } : {}),
              },
              'login refused',
            );
          }
          throw error;
        }
      },
    });
  };
}
