import { routes } from '@burrow/platform-api';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { bearerToken, type AccessTokens } from '../services/access-tokens.ts';
import type { Revocation } from '../services/revocation.ts';
import {
  USER_TOKEN_TTL_SECONDS,
  type SignedIn,
  type UserAccounts,
} from '../services/user-accounts.ts';
import { ForbiddenError } from '../domain/errors.ts';
import { accessTokenIdOf, userIdOf, type Authenticate } from './authenticate.ts';
import { declaredRoute } from './declared-route.ts';
import { csrfTokenFor, SESSION_COOKIE, sessionCookieOptions } from './session-cookie.ts';

/**
 * People's sign-in (contract: @burrow/platform-api routes/user-sign-in.ts): the CLI's token login,
 * the console's cookie session (sign-in, who am I + CSRF token, sign-out), and an admin adding a
 * user. The decisions are services/user-accounts.ts'; the cookie and CSRF rules session-cookie.ts'.
 */
export interface UserSignInOptions {
  authenticate: Authenticate;
  accounts: UserAccounts;
  accessTokens: AccessTokens;
  revocation: Revocation;
}

export const userSignInPlugin: FastifyPluginAsyncTypebox<UserSignInOptions> = async (
  app,
  { authenticate, accounts, accessTokens, revocation },
) => {
  const sessionAnswer = (signedIn: Omit<SignedIn, 'grant'>, token: string) => ({
    user: { id: signedIn.user.id, email: signedIn.user.email },
    organization: {
      id: signedIn.organization.id,
      name: signedIn.organization.name,
      slug: signedIn.organization.slug,
    },
    identity: {
      id: signedIn.identity.id,
      name: signedIn.identity.name,
      role: signedIn.identity.role,
    },
    csrfToken: csrfTokenFor(token),
    expiresIn: USER_TOKEN_TTL_SECONDS,
  });

  app.route({
    ...declaredRoute(routes.userLogin),
    handler: async (request) => {
      const { grant, user, identity } = await accounts.signIn(request.body, 'burrow login');
      request.log.info({ userId: user.id, identityId: identity.id }, 'user logged in');
      return grant;
    },
  });

  app.route({
    ...declaredRoute(routes.consoleSignIn),
    handler: async (request, reply) => {
      const signedIn = await accounts.signIn(request.body, 'console');
      const token = signedIn.grant.accessToken;
      request.log.info(
        { userId: signedIn.user.id, identityId: signedIn.identity.id },
        'user signed in to the console',
      );
      void reply.setCookie(SESSION_COOKIE, token, sessionCookieOptions(USER_TOKEN_TTL_SECONDS));
      return sessionAnswer(signedIn, token);
    },
  });

  app.route({
    ...declaredRoute(routes.consoleSession),
    handler: async (request) => {
      const signedIn = accounts.consoleSession(authenticate(request), userIdOf(request));
      return sessionAnswer(signedIn, presentedToken(request));
    },
  });

  app.route({
    ...declaredRoute(routes.consoleSignOut),
    handler: async (request, reply) => {
      authenticate(request);
      if (userIdOf(request) === undefined) {
        throw new ForbiddenError(
          'Sign-out ends a person’s sign-in; revoke a machine token with /api/v1/auth/token/revoke',
        );
      }
      const tokenId = accessTokenIdOf(request) as string;
      accessTokens.revoke(presentedToken(request));
      await revocation.tokenRevoked(tokenId, request.log);
      void reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(0));
      return { message: 'Signed out' };
    },
  });

  app.route({
    ...declaredRoute(routes.createUser),
    handler: async (request) => {
      const created = await accounts.createUser(authenticate(request), request.body);
      request.log.info(
        { userId: created.user.id, identityId: created.identity.id, role: created.identity.role },
        'user created',
      );
      return {
        user: { id: created.user.id, email: created.user.email },
        identity: {
          id: created.identity.id,
          name: created.identity.name,
          role: created.identity.role,
        },
        initialPassword: created.initialPassword,
      };
    },
  });
};

/** The token the (authenticated) request used: the bearer's, else the session cookie's. */
function presentedToken(request: {
  headers: { authorization?: string | undefined };
  cookies: Record<string, string | undefined>;
}): string {
  if (request.headers.authorization) return bearerToken(request.headers.authorization);
  return request.cookies[SESSION_COOKIE] as string;
}
