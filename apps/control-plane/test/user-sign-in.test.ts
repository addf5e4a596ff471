/**
 * People's sign-in (issue 19) as an attacker sees it, at the API (app.inject): the console's
 * cookie (HttpOnly, Secure, SameSite=Strict) and its CSRF token, the lock after wrong passwords
 * (new sign-ins only: a stranger's guesses must not sign the owner out), a deleted user's cookie,
 * another organization's user, sign-out, and `burrow login
 * --email`'s token, which keeps the person to its role's permissions.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { hashPassword } from '../src/crypto/password-hash.ts';
import { MAX_FAILED_SIGN_INS } from '../src/services/user-accounts.ts';
import {
  auth,
  bootstrap,
  startTestControlPlane,
  type Bootstrapped,
  type TestControlPlane,
} from './support/test-control-plane.ts';

let cp: TestControlPlane;
let admin: Bootstrapped;
const ADMIN = { email: 'admin@example.com', password: 'correct horse battery' };

interface Session {
  cookie: string;
  csrfToken: string;
  identityId: string;
  setCookie: string;
}

async function signIn(credentials: object): Promise<Session> {
  const res = await cp.app.inject({
    method: 'POST',
    url: '/api/v1/console/sign-in',
    payload: credentials,
  });
  expect(res.statusCode).toBe(200);
  const setCookie = String(res.headers['set-cookie']);
  const token = /burrow_session=([^;]+)/.exec(setCookie)?.[1] as string;
  const body = res.json<{ csrfToken: string; identity: { id: string } }>();
  return {
    cookie: `burrow_session=${token}`,
    csrfToken: body.csrfToken,
    identityId: body.identity.id,
    setCookie,
  };
}

function withCookie(
  session: Pick<Session, 'cookie'>,
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  options: { csrf?: string; payload?: object } = {},
) {
  return cp.app.inject({
    method,
    url,
    headers: {
      cookie: session.cookie,
      ...(options.csrf === undefined ? {} : { 'x-csrf-token': options.csrf }),
    },
    ...(options.payload === undefined ? {} : { payload: options.payload }),
  });
}

async function newUser(role: 'admin' | 'member' | 'auditor') {
  const res = await cp.app.inject({
    method: 'POST',
    url: '/api/v1/users',
    headers: auth(admin.token),
    payload: { organizationId: admin.orgId, email: `${role}-${Date.now()}@example.com`, role },
  });
  expect(res.statusCode).toBe(200);
  const body = res.json<{
    user: { email: string };
    identity: { id: string; role: string };
    initialPassword: string;
  }>();
  return { email: body.user.email, password: body.initialPassword, identityId: body.identity.id };
}

beforeAll(async () => {
  cp = await startTestControlPlane();
  admin = await bootstrap(cp);
});

afterAll(async () => {
  await cp?.close();
});

describe('console sign-in', () => {
  it('sets an HttpOnly, Secure, SameSite=Strict cookie that acts as the admin person identity', async () => {
    const session = await signIn(ADMIN);
    expect(session.setCookie).toMatch(/HttpOnly/);
    expect(session.setCookie).toMatch(/Secure/);
    expect(session.setCookie).toMatch(/SameSite=Strict/);
    expect(session.setCookie).toMatch(/Path=\//);
    const me = await withCookie(session, 'GET', '/api/v1/console/session');
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      user: { email: ADMIN.email },
      organization: { id: admin.orgId },
      identity: { name: ADMIN.email, role: 'admin' },
      csrfToken: session.csrfToken,
    });
    const identities = await withCookie(
      session,
      'GET',
      `/api/v1/identities?organizationId=${admin.orgId}`,
    );
    expect(identities.statusCode).toBe(200);
    expect(
      identities.json<{ identities: { name: string }[] }>().identities.map((i) => i.name),
    ).toEqual(expect.arrayContaining([ADMIN.email, 'Instance Admin Identity']));
  });

  it('answers a wrong password and an unknown email alike, with no cookie', async () => {
    for (const payload of [
      { email: ADMIN.email, password: 'wrong password' },
      { email: 'nobody@example.com', password: ADMIN.password },
    ]) {
      const res = await cp.app.inject({ method: 'POST', url: '/api/v1/console/sign-in', payload });
      expect(res.statusCode).toBe(401);
      expect(res.json<{ message: string }>().message).toBe('Wrong email or password');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    // The admin's one wrong password is forgotten at its next right one.
    await signIn(ADMIN);
  });
});

describe('CSRF', () => {
  it('refuses a cookie-authenticated change without the token, or with another session’s', async () => {
    const session = await signIn(ADMIN);
    const other = await signIn(ADMIN);
    const payload = { name: 'csrf-victim', organizationId: admin.orgId };
    const none = await withCookie(session, 'POST', '/api/v1/identities', { payload });
    expect(none.statusCode).toBe(403);
    expect(none.json<{ message: string }>().message).toMatch(/X-CSRF-Token/);
    const stolen = await withCookie(session, 'POST', '/api/v1/identities', {
      payload,
      csrf: other.csrfToken,
    });
    expect(stolen.statusCode).toBe(403);
    const list = await withCookie(
      session,
      'GET',
      `/api/v1/identities?organizationId=${admin.orgId}`,
    );
    expect(
      list.json<{ identities: { name: string }[] }>().identities.map((i) => i.name),
    ).not.toContain('csrf-victim');
    const right = await withCookie(session, 'POST', '/api/v1/identities', {
      payload,
      csrf: session.csrfToken,
    });
    expect(right.statusCode).toBe(200);
  });
});

describe('lock after repeated wrong passwords', () => {
  it('locks new sign-ins, even with the right password, until the lock passes; the audit log shows it', async () => {
    const person = await newUser('member');
    await lockOut(person);
    const right = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/auth/user/login',
      payload: { email: person.email, password: person.password },
    });
    expect(right.statusCode).toBe(429);
    const consoleSignIn = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/console/sign-in',
      payload: { email: person.email, password: person.password },
    });
    expect(consoleSignIn.statusCode).toBe(429);

    // The lock passes (moved into the past here): the right password works, the count restarts.
    cp.context.db
      .prepare('UPDATE users SET locked_until = ? WHERE email = ?')
      .run(Date.now() - 1000, person.email);
    await signIn(person);

    // Each wrong password and the sign-in are in the audit log, never a password.
    // An unknown email belongs to no organization: nothing to record, nothing that says it exists.
    await cp.app.inject({
      method: 'POST',
      url: '/api/v1/console/sign-in',
      payload: { email: 'nobody@example.com', password: 'guess' },
    });

    const res = await cp.app.inject({
      method: 'GET',
      url: '/api/v1/organization/audit-logs?eventType=user-sign-in&limit=100',
      headers: auth(admin.token),
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(person.password);
    expect(res.body).not.toContain('guess');
    expect(res.body).not.toContain('nobody@example.com');
    type Event = {
      actor: { identityId: string | null; name: string | null };
      resourceName: string;
      outcome: string;
      details: Record<string, string>;
    };
    const events = res
      .json<{ auditLogs: Event[] }>()
      .auditLogs.filter((e) => e.resourceName === person.email)
      .reverse();
    const summary = events.map((e) => `${e.outcome} ${e.details.via}: ${e.details.reason ?? ''}`);
    expect(summary[0]).toBe('failure console: wrong password');
    expect(summary).toContain('failure console: wrong password, now locked');
    // The wrong passwords, then the right one; the two attempts while locked are not recorded (nobody
    // checked it, and a stranger could send any number of them).
    expect(summary).toHaveLength(MAX_FAILED_SIGN_INS + 1);
    expect(summary.at(-1)).toBe('success console: ');
    // Refused: whoever tried is not known. Signed in: the person identity.
    expect(events[0]?.actor).toEqual({ type: 'identity', identityId: null, name: 'not signed in' });
    expect(events.at(-1)?.actor.identityId).toBe(person.identityId);
  });

  it('does not end the sessions the user already has: knowing an email is not enough to sign its owner out', async () => {
    const victim = await newUser('admin');
    const browser = await signIn(victim);
    const cli = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/auth/user/login',
      payload: { email: victim.email, password: victim.password },
    });
    const cliToken = cli.json<{ accessToken: string }>().accessToken;

    // The attacker knows only the email and types wrong passwords until the lock.
    await lockOut(victim);

    // The victim's console session still reads and still changes (with its CSRF token).
    expect((await withCookie(browser, 'GET', '/api/v2/gateways')).statusCode).toBe(200);
    const change = await withCookie(browser, 'POST', '/api/v1/identities', {
      payload: { organizationId: admin.orgId, name: 'made-while-locked', role: 'member' },
      csrf: browser.csrfToken,
    });
    expect(change.statusCode).toBe(200);
    const session = await withCookie(browser, 'GET', '/api/v1/console/session');
    expect(session.statusCode).toBe(200);
    // And `burrow login --email`'s token too.
    const cliUse = await cp.app.inject({
      method: 'GET',
      url: '/api/v2/gateways',
      headers: auth(cliToken),
    });
    expect(cliUse.statusCode).toBe(200);
  });
});

/** Wrong passwords until the account locks; the last answer is 429 naming the lock. */
async function lockOut(person: { email: string }): Promise<void> {
  for (let i = 1; i < MAX_FAILED_SIGN_INS; i++) {
    const res = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/console/sign-in',
      payload: { email: person.email, password: `guess-${i}` },
    });
    expect(res.statusCode).toBe(401);
  }
  const last = await cp.app.inject({
    method: 'POST',
    url: '/api/v1/console/sign-in',
    payload: { email: person.email, password: 'guess-last' },
  });
  expect(last.statusCode).toBe(429);
  expect(last.json<{ message: string }>().message).toMatch(
    /Too many wrong passwords: this account is locked until \S+Z \(about 15 min\)/,
  );
}

describe('a deleted user', () => {
  it('is refused with its cookie and its CLI token once its identity is deleted, and cannot sign in again', async () => {
    const person = await newUser('auditor');
    const session = await signIn(person);
    const cli = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/auth/user/login',
      payload: { email: person.email, password: person.password },
    });
    const token = cli.json<{ accessToken: string }>().accessToken;
    expect((await withCookie(session, 'GET', '/api/v2/gateways')).statusCode).toBe(200);

    const removed = await cp.app.inject({
      method: 'DELETE',
      url: `/api/v1/identities/${person.identityId}`,
      headers: auth(admin.token),
    });
    expect(removed.statusCode).toBe(200);
    expect((await withCookie(session, 'GET', '/api/v2/gateways')).statusCode).toBe(401);
    const bearer = await cp.app.inject({
      method: 'GET',
      url: '/api/v2/gateways',
      headers: auth(token),
    });
    expect(bearer.statusCode).toBe(401);
    const again = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/console/sign-in',
      payload: person,
    });
    expect(again.statusCode).toBe(403);
    expect(again.json<{ message: string }>().message).toMatch(/removed from the organization/);
  });
});

describe('another organization’s user', () => {
  it('signs in to its own organization and reaches nothing of this one', async () => {
    const { organizations, users, identities } = cp.context;
    const org = organizations.create({ name: 'Rival' });
    const user = users.create({
      email: 'mallory@rival.example',
      passwordHash: await hashPassword('mallory password'),
      superAdmin: false,
    });
    const identity = identities.create({ orgId: org.id, name: user.email, role: 'admin' });
    users.addMember(org.id, user.id, 'admin', identity.id);

    const refusedOrg = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/console/sign-in',
      payload: { email: user.email, password: 'mallory password', organizationSlug: 'acme' },
    });
    expect(refusedOrg.statusCode).toBe(403);
    expect(refusedOrg.json<{ message: string }>().message).toBe(
      'This user is not a member of the organization acme',
    );

    const mallory = await signIn({ email: user.email, password: 'mallory password' });
    const list = await withCookie(
      mallory,
      'GET',
      `/api/v1/identities?organizationId=${admin.orgId}`,
    );
    expect(list.statusCode).toBe(403);
    const victim = await newUser('member');
    const del = await withCookie(mallory, 'DELETE', `/api/v1/identities/${victim.identityId}`, {
      csrf: mallory.csrfToken,
    });
    expect(del.statusCode).toBe(404);
    const addUser = await withCookie(mallory, 'POST', '/api/v1/users', {
      csrf: mallory.csrfToken,
      payload: { organizationId: admin.orgId, email: 'plant@rival.example', role: 'admin' },
    });
    expect(addUser.statusCode).toBe(403);
  });
});

describe('burrow login --email token', () => {
  it('acts as the person identity with its role and nothing more', async () => {
    const person = await newUser('member');
    const res = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/auth/user/login',
      payload: { email: person.email.toUpperCase(), password: person.password },
    });
    expect(res.statusCode).toBe(200);
    const grant = res.json<{ accessToken: string; expiresIn: number; tokenType: string }>();
    expect(grant).toMatchObject({ expiresIn: 12 * 3600, tokenType: 'Bearer' });
    const create = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/identities',
      headers: auth(grant.accessToken),
      payload: { name: 'escalation', organizationId: admin.orgId, role: 'admin' },
    });
    expect(create.statusCode).toBe(403);
    expect(create.json<{ message: string }>().message).toBe(
      'An identity with the member role may not manage identities',
    );
  });
});

describe('sign-out', () => {
  it('needs the CSRF token, revokes the session and clears the cookie', async () => {
    const session = await signIn(ADMIN);
    const forged = await withCookie(session, 'POST', '/api/v1/console/sign-out');
    expect(forged.statusCode).toBe(403);
    const out = await withCookie(session, 'POST', '/api/v1/console/sign-out', {
      csrf: session.csrfToken,
    });
    expect(out.statusCode).toBe(200);
    expect(String(out.headers['set-cookie'])).toMatch(/burrow_session=;.*Max-Age=0/);
    expect((await withCookie(session, 'GET', '/api/v1/console/session')).statusCode).toBe(401);
  });
});
