import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  auth,
  bootstrap,
  startTestControlPlane,
  type Bootstrapped,
  type TestControlPlane,
} from './support/test-control-plane.ts';

let cp: TestControlPlane;
let admin: Bootstrapped;

beforeAll(async () => {
  cp = await startTestControlPlane();
  admin = await bootstrap(cp);
});
afterAll(async () => {
  await cp.close();
});

describe('admin bootstrap', () => {
  it('answers with user, organization and an identity token, and refuses a second call', async () => {
    expect(admin.token).toMatch(/^burrow\.at\.[0-9a-f]{64}$/);
    const again = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/admin/bootstrap',
      payload: { email: 'other@example.com', password: 'another password', organization: 'Evil' },
    });
    expect(again.statusCode).toBe(400);
    expect(again.json()).toMatchObject({
      statusCode: 400,
      message: expect.stringMatching(/already been set up/),
    });
  });

  it('stores the password hashed', () => {
    const row = cp.context.db.prepare('SELECT password_hash FROM users').get() as {
      password_hash: string;
    };
    expect(row.password_hash).toMatch(/^scrypt\$/);
    expect(row.password_hash).not.toContain('correct horse');
  });
});

describe('identities', () => {
  it('creates an identity in the caller organization', async () => {
    const res = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/identities',
      headers: auth(admin.token),
      payload: { name: 'ci', organizationId: admin.orgId, role: 'member' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      identity: { id: expect.any(String), name: 'ci', role: 'member' },
    });
  });

  it('refuses without a token, with a bad token, and for another organization', async () => {
    const payload = { name: 'x', organizationId: admin.orgId };
    const none = await cp.app.inject({ method: 'POST', url: '/api/v1/identities', payload });
    expect(none.statusCode).toBe(401);
    const bad = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/identities',
      headers: auth('burrow.at.nope'),
      payload,
    });
    expect(bad.statusCode).toBe(401);
    const otherOrg = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/identities',
      headers: auth(admin.token),
      payload: { name: 'x', organizationId: '11111111-1111-4111-8111-111111111111' },
    });
    expect(otherOrg.statusCode).toBe(403);
  });
});

async function newIdentity(name: string): Promise<string> {
  const res = await cp.app.inject({
    method: 'POST',
    url: '/api/v1/identities',
    headers: auth(admin.token),
    payload: { name, organizationId: admin.orgId },
  });
  return res.json<{ identity: { id: string } }>().identity.id;
}

async function attachUa(identityId: string, body: object) {
  const res = await cp.app.inject({
    method: 'POST',
    url: `/api/v1/auth/universal-auth/identities/${identityId}`,
    headers: auth(admin.token),
    payload: body,
  });
  expect(res.statusCode).toBe(200);
  return res.json<{ identityUniversalAuth: { clientId: string } }>().identityUniversalAuth;
}

async function createSecret(identityId: string, body: object = {}) {
  const res = await cp.app.inject({
    method: 'POST',
    url: `/api/v1/auth/universal-auth/identities/${identityId}/client-secrets`,
    headers: auth(admin.token),
    payload: body,
  });
  expect(res.statusCode).toBe(200);
  return res.json<{
    clientSecret: string;
    clientSecretData: { id: string; clientSecretPrefix: string };
  }>();
}

function login(
  clientId: string,
  clientSecret: string,
  url = '/api/v1/auth/universal-auth/login',
  remoteAddress?: string,
) {
  return cp.app.inject({
    method: 'POST',
    url,
    payload: { clientId, clientSecret },
    ...(remoteAddress ? { remoteAddress } : {}),
  });
}

describe('universal auth', () => {
  it('attaches, creates a secret shown once and stored hashed, and logs in (also with a trailing slash)', async () => {
    const identityId = await newIdentity('ua-basic');
    const { clientId } = await attachUa(identityId, {
      accessTokenTTL: 600,
      accessTokenMaxTTL: 3600,
    });
    const { clientSecret, clientSecretData } = await createSecret(identityId, {
      description: 'ci',
    });
    expect(clientSecretData.clientSecretPrefix).toBe(clientSecret.slice(0, 4));
    const stored = cp.context.db
      .prepare('SELECT client_secret_digest FROM identity_ua_client_secrets WHERE id = ?')
      .get(clientSecretData.id) as { client_secret_digest: string };
    expect(stored.client_secret_digest).not.toContain(clientSecret);

    for (const url of ['/api/v1/auth/universal-auth/login', '/api/v1/auth/universal-auth/login/']) {
      const res = await login(clientId, clientSecret, url);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        accessToken: expect.any(String),
        expiresIn: 600,
        accessTokenMaxTTL: 3600,
        tokenType: 'Bearer',
      });
      // The token works as a bearer token.
      const relays = await cp.app.inject({
        method: 'GET',
        url: '/api/v1/relays',
        headers: auth(res.json<{ accessToken: string }>().accessToken),
      });
      expect(relays.statusCode).toBe(200);
    }
  });

  it('refuses a second attach', async () => {
    const identityId = await newIdentity('ua-twice');
    await attachUa(identityId, {});
    const again = await cp.app.inject({
      method: 'POST',
      url: `/api/v1/auth/universal-auth/identities/${identityId}`,
      headers: auth(admin.token),
      payload: {},
    });
    expect(again.statusCode).toBe(400);
  });

  it('answers 401 to a wrong secret and an unknown client ID', async () => {
    const identityId = await newIdentity('ua-wrong');
    const { clientId } = await attachUa(identityId, {});
    await createSecret(identityId);
    expect((await login(clientId, 'f'.repeat(64))).statusCode).toBe(401);
    expect((await login('00000000-0000-4000-8000-000000000000', 'f'.repeat(64))).statusCode).toBe(
      401,
    );
  });

  it('enforces the client secret use limit', async () => {
    const identityId = await newIdentity('ua-uses');
    const { clientId } = await attachUa(identityId, {});
    const { clientSecret } = await createSecret(identityId, { numUsesLimit: 2 });
    expect((await login(clientId, clientSecret)).statusCode).toBe(200);
    expect((await login(clientId, clientSecret)).statusCode).toBe(200);
    expect((await login(clientId, clientSecret)).statusCode).toBe(401);
  });

  it('enforces the access token use limit', async () => {
    const identityId = await newIdentity('ua-token-uses');
    const { clientId } = await attachUa(identityId, { accessTokenNumUsesLimit: 1 });
    const { clientSecret } = await createSecret(identityId);
    const token = (await login(clientId, clientSecret)).json<{ accessToken: string }>().accessToken;
    const get = () => cp.app.inject({ method: 'GET', url: '/api/v1/relays', headers: auth(token) });
    expect((await get()).statusCode).toBe(200);
    const second = await get();
    expect(second.statusCode).toBe(401);
    expect(second.json<{ message: string }>().message).toMatch(/use limit/);
  });

  it('refuses logins from outside the client secret trusted IPs, and tokens outside theirs', async () => {
    const identityId = await newIdentity('ua-ips');
    const { clientId } = await attachUa(identityId, {
      clientSecretTrustedIps: [{ ipAddress: '10.0.0.0/8' }],
      accessTokenTrustedIps: [{ ipAddress: '10.1.0.0/16' }],
    });
    const { clientSecret } = await createSecret(identityId);
    const refused = await login(clientId, clientSecret, undefined, '192.0.2.1');
    expect(refused.statusCode).toBe(401);
    expect(refused.json<{ message: string }>().message).toMatch(/192\.0\.2\.1/);
    const ok = await login(clientId, clientSecret, undefined, '10.9.9.9');
    expect(ok.statusCode).toBe(200);
    const token = ok.json<{ accessToken: string }>().accessToken;
    const outside = await cp.app.inject({
      method: 'GET',
      url: '/api/v1/relays',
      headers: auth(token),
      remoteAddress: '10.9.9.9',
    });
    expect(outside.statusCode).toBe(403);
    const inside = await cp.app.inject({
      method: 'GET',
      url: '/api/v1/relays',
      headers: auth(token),
      remoteAddress: '10.1.2.3',
    });
    expect(inside.statusCode).toBe(200);
  });

  it('refuses bad trusted-IP entries with 400', async () => {
    const identityId = await newIdentity('ua-bad-ip');
    const res = await cp.app.inject({
      method: 'POST',
      url: `/api/v1/auth/universal-auth/identities/${identityId}`,
      headers: auth(admin.token),
      payload: { clientSecretTrustedIps: [{ ipAddress: '10.0.0.0/40' }] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toMatch(/not an IP address or CIDR/);
  });
});

describe('attached configuration JSON', () => {
  it('shows token auth and universal auth field by field, in the same order as before', async () => {
    const tokenIdentity = await newIdentity('token-json');
    const token = await cp.app.inject({
      method: 'POST',
      url: `/api/v1/auth/token-auth/identities/${tokenIdentity}`,
      headers: auth(admin.token),
      payload: { accessTokenTTL: 120 },
    });
    const tokenJson = token.json<{ identityTokenAuth: Record<string, unknown> }>();
    expect(Object.keys(tokenJson.identityTokenAuth)).toEqual([
      'id',
      'identityId',
      'accessTokenTTL',
      'accessTokenMaxTTL',
      'accessTokenNumUsesLimit',
      'accessTokenTrustedIps',
      'createdAt',
      'updatedAt',
    ]);
    expect(tokenJson.identityTokenAuth).toMatchObject({
      id: tokenIdentity,
      identityId: tokenIdentity,
      accessTokenTTL: 120,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });

    const uaIdentity = await newIdentity('ua-json');
    const ua = await cp.app.inject({
      method: 'POST',
      url: `/api/v1/auth/universal-auth/identities/${uaIdentity}`,
      headers: auth(admin.token),
      payload: { accessTokenTTL: 60, clientSecretTrustedIps: [{ ipAddress: '10.0.0.0/8' }] },
    });
    const uaJson = ua.json<{ identityUniversalAuth: Record<string, unknown> }>();
    expect(Object.keys(uaJson.identityUniversalAuth)).toEqual([
      'id',
      'identityId',
      'clientId',
      'accessTokenTTL',
      'accessTokenMaxTTL',
      'accessTokenNumUsesLimit',
      'clientSecretTrustedIps',
      'accessTokenTrustedIps',
      'createdAt',
      'updatedAt',
    ]);
    expect(uaJson.identityUniversalAuth).toMatchObject({
      id: uaIdentity,
      identityId: uaIdentity,
      clientId: expect.any(String),
      accessTokenTTL: 60,
      clientSecretTrustedIps: [expect.objectContaining({ ipAddress: '10.0.0.0/8' })],
    });
  });
});

describe('token auth and token lifecycle', () => {
  it('creates, renews and revokes tokens; a revoked token answers 401', async () => {
    const identityId = await newIdentity('token-life');
    const attach = await cp.app.inject({
      method: 'POST',
      url: `/api/v1/auth/token-auth/identities/${identityId}`,
      headers: auth(admin.token),
      payload: { accessTokenTTL: 120, accessTokenMaxTTL: 240 },
    });
    expect(attach.statusCode).toBe(200);
    expect(attach.json()).toMatchObject({ identityTokenAuth: { identityId, accessTokenTTL: 120 } });

    const created = await cp.app.inject({
      method: 'POST',
      url: `/api/v1/auth/token-auth/identities/${identityId}/tokens`,
      headers: auth(admin.token),
      payload: { name: 'deploy' },
    });
    expect(created.statusCode).toBe(200);
    const grant = created.json<{
      accessToken: string;
      expiresIn: number;
      accessTokenMaxTTL: number;
      tokenType: string;
    }>();
    expect(grant).toMatchObject({ expiresIn: 120, accessTokenMaxTTL: 240, tokenType: 'Bearer' });

    const renewed = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token/renew',
      payload: { accessToken: grant.accessToken },
    });
    expect(renewed.statusCode).toBe(200);
    expect(renewed.json()).toMatchObject({
      accessToken: grant.accessToken,
      expiresIn: 120,
      tokenType: 'Bearer',
    });

    const use = () =>
      cp.app.inject({ method: 'GET', url: '/api/v2/gateways', headers: auth(grant.accessToken) });
    expect((await use()).statusCode).toBe(200);

    const revoked = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token/revoke',
      payload: { accessToken: grant.accessToken },
    });
    expect(revoked.statusCode).toBe(200);
    const after = await use();
    expect(after.statusCode).toBe(401);
    expect(after.json<{ message: string }>().message).toMatch(/revoked/);
    const renewRevoked = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token/renew',
      payload: { accessToken: grant.accessToken },
    });
    expect(renewRevoked.statusCode).toBe(401);
  });

  it('renews a token only from a trusted address and while it has uses left', async () => {
    const identityId = await newIdentity('token-renew-limits');
    await cp.app.inject({
      method: 'POST',
      url: `/api/v1/auth/token-auth/identities/${identityId}`,
      headers: auth(admin.token),
      payload: {
        accessTokenNumUsesLimit: 1,
        accessTokenTrustedIps: [{ ipAddress: '10.0.0.0/8' }],
      },
    });
    const created = await cp.app.inject({
      method: 'POST',
      url: `/api/v1/auth/token-auth/identities/${identityId}/tokens`,
      headers: auth(admin.token),
      payload: {},
    });
    const { accessToken } = created.json<{ accessToken: string }>();
    const renewFrom = (remoteAddress: string) =>
      cp.app.inject({
        method: 'POST',
        url: '/api/v1/auth/token/renew',
        payload: { accessToken },
        remoteAddress,
      });
    const untrusted = await renewFrom('192.0.2.7');
    expect(untrusted.statusCode).toBe(403);
    expect((await renewFrom('10.1.2.3')).statusCode).toBe(200);

    const use = await cp.app.inject({
      method: 'GET',
      url: '/api/v2/gateways',
      headers: auth(accessToken),
      remoteAddress: '10.1.2.3',
    });
    expect(use.statusCode).toBe(200);
    const spent = await renewFrom('10.1.2.3');
    expect(spent.statusCode).toBe(401);
    expect(spent.json<{ message: string }>().message).toMatch(/use limit/);
  });

  it('refuses tokens for an identity without token auth', async () => {
    const identityId = await newIdentity('no-token-auth');
    const res = await cp.app.inject({
      method: 'POST',
      url: `/api/v1/auth/token-auth/identities/${identityId}/tokens`,
      headers: auth(admin.token),
      payload: {},
    });
    expect(res.statusCode).toBe(400);
  });

  it('stores tokens only as digests', () => {
    const rows = cp.context.db.prepare('SELECT token_digest FROM identity_access_tokens').all() as {
      token_digest: string;
    }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.token_digest))).toBe(true);
    expect(rows.some((r) => admin.token.includes(r.token_digest))).toBe(false);
  });
});

describe('request validation', () => {
  it('answers bad JSON with 400 and a clear message', async () => {
    const res = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/auth/universal-auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"clientId": "x",',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      statusCode: 400,
      error: 'Bad Request',
      message: expect.stringMatching(/^Request body is not valid JSON/),
    });
  });

  it('treats an empty JSON body as {}', async () => {
    const emptyOptional = await cp.app.inject({
      method: 'POST',
      url: `/api/v1/auth/token-auth/identities/${admin.identityId}/tokens`,
      headers: { ...auth(admin.token), 'content-type': 'application/json' },
      payload: '',
    });
    expect(emptyOptional.statusCode).toBe(200);
    const noBody = await cp.app.inject({
      method: 'POST',
      url: `/api/v1/auth/token-auth/identities/${admin.identityId}/tokens`,
      headers: auth(admin.token),
    });
    expect(noBody.statusCode).toBe(200);
    const emptyRequired = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/auth/universal-auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expect(emptyRequired.statusCode).toBe(400);
    expect(emptyRequired.json<{ message: string }>().message).toMatch(/clientId/);
  });

  it('names the offending field on schema violations', async () => {
    const res = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/auth/universal-auth/login',
      payload: { clientId: 'x' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toMatch(/clientSecret/);
  });

  it('answers unknown routes with 404 JSON', async () => {
    const res = await cp.app.inject({ method: 'GET', url: '/api/v9/nothing' });
    expect(res.statusCode).toBe(404);
    expect(res.json<{ message: string }>().message).toMatch(/not found/);
  });
});
