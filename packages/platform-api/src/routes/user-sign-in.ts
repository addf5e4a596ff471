import { Type } from 'typebox';
import { defineRoute } from '../define-route.ts';
import { AccessTokenGrant, errorResponses, Uuid } from '../schemas/common.ts';

/**
 * Sign-in for people (users with email and password), for the console and `burrow login --email`:
 *   POST /api/v1/auth/user/login   {email, password, organizationSlug?}  → access token grant
 *   POST /api/v1/console/sign-in   {email, password, organizationSlug?}  → {user, organization,
 *        identity, csrfToken, expiresIn} and Set-Cookie burrow_session (HttpOnly; Secure;
 *        SameSite=Strict)
 *   GET  /api/v1/console/session                                         → the same answer
 *   POST /api/v1/console/sign-out                                        → {message}; the token
 *        is revoked and the cookie cleared
 *   POST /api/v1/users {organizationId, email, role}                     → {user, identity,
 *        initialPassword}  (admin; the password is shown once)
 * A signed-in user acts as its organization's person identity (`identity`, with the membership's
 * role). Wrong email and wrong password answer the same 401; five wrong passwords in a row lock
 * the account for 15 minutes (429, and the user's sessions are refused meanwhile). Every change
 * made with the session cookie needs `X-CSRF-Token: <csrfToken>`.
 */
export const UserSignInBody = Type.Object({
  email: Type.String({ minLength: 1, maxLength: 254 }),
  password: Type.String({ minLength: 1, maxLength: 1024 }),
  organizationSlug: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
});

export const ConsoleSession = Type.Object({
  user: Type.Object({ id: Type.String(), email: Type.String() }),
  organization: Type.Object({ id: Type.String(), name: Type.String(), slug: Type.String() }),
  identity: Type.Object({ id: Type.String(), name: Type.String(), role: Type.String() }),
  csrfToken: Type.String(),
  /** Seconds the session lasts from sign-in (the cookie's Max-Age). */
  expiresIn: Type.Integer(),
});

export const userLogin = defineRoute({
  method: 'POST',
  path: '/api/v1/auth/user/login',
  auth: 'none',
  tags: ['user-auth'],
  summary: "A person's login with email and password (burrow login --email)",
  body: UserSignInBody,
  response: { 200: AccessTokenGrant, ...errorResponses },
});

export const consoleSignIn = defineRoute({
  method: 'POST',
  path: '/api/v1/console/sign-in',
  auth: 'none',
  tags: ['user-auth'],
  summary: 'Sign in to the console (sets the session cookie)',
  body: UserSignInBody,
  response: { 200: ConsoleSession, ...errorResponses },
});

export const consoleSession = defineRoute({
  method: 'GET',
  path: '/api/v1/console/session',
  auth: 'identity',
  tags: ['user-auth'],
  summary: 'The signed-in user, its organization and role, and the CSRF token',
  response: { 200: ConsoleSession, ...errorResponses },
});

export const consoleSignOut = defineRoute({
  method: 'POST',
  path: '/api/v1/console/sign-out',
  auth: 'identity',
  tags: ['user-auth'],
  summary: 'Sign out: revoke the session and clear its cookie',
  response: { 200: Type.Object({ message: Type.String() }), ...errorResponses },
});

export const createUser = defineRoute({
  method: 'POST',
  path: '/api/v1/users',
  auth: 'identity',
  tags: ['user-auth'],
  summary: 'Add a person to the organization (generated password, shown once)',
  body: Type.Object({
    organizationId: Uuid,
    email: Type.String({ format: 'email', maxLength: 254 }),
    role: Type.Union([Type.Literal('admin'), Type.Literal('member'), Type.Literal('auditor')]),
  }),
  response: {
    200: Type.Object({
      user: Type.Object({ id: Type.String(), email: Type.String() }),
      identity: Type.Object({ id: Type.String(), name: Type.String(), role: Type.String() }),
      initialPassword: Type.String(),
    }),
    ...errorResponses,
  },
});
