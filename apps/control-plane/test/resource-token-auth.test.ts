import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import net from 'node:net';
import { signResourceAccessToken, resourceTokenKey } from '@burrow/auth-methods';
import { FakeRelayGateway, type PkiMaterial } from './support/fake-relay-gateway.ts';
import { registerFakeRelayGateway } from './support/org-setup.ts';
import {
  auth,
  bootstrap,
  identityWithToken,
  startTestControlPlane,
  type Bootstrapped,
  type TestControlPlane,
} from './support/test-control-plane.ts';

/**
 * Enrolled gateways and relays (issue 21, reference §3.2, §5.1, §7): one-time enrollment tokens,
 * resource access tokens that act only as their own gateway or relay, revocation and deletion.
 * The gateway and relay behind them are a FakeRelayGateway built from the certificates issued.
 * (role-route-table.test.ts runs both kinds of token against every route.)
 */
let cp: TestControlPlane;
let admin: Bootstrapped;
let fake: FakeRelayGateway;
let echo: net.Server;
let identityGatewayId: string;

interface Answer {
  statusCode: number;
  body: string;
  json: <T>() => T;
}

async function post(token: string | undefined, url: string, payload?: object): Promise<Answer> {
  return cp.app.inject({
    method: 'POST',
    url,
    headers: token ? auth(token) : {},
    ...(payload ? { payload } : {}),
  });
}

async function get(token: string, url: string): Promise<Answer> {
  return cp.app.inject({ method: 'GET', url, headers: auth(token) });
}

async function ok<T>(token: string | undefined, url: string, payload?: object): Promise<T> {
  const res = await post(token, url, payload);
  if (res.statusCode !== 200) throw new Error(`POST ${url}: ${res.statusCode} ${res.body}`);
  return res.json<T>();
}

const TOKEN = { method: 'token' };

/** A JWT's payload (jose verifies the signature in @burrow/auth-methods' own test). */
function decodeJwt(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

async function createGateway(name: string): Promise<string> {
  return (await ok<{ id: string }>(admin.token, '/api/v3/gateways', { name, authMethod: TOKEN }))
    .id;
}

async function mintGatewayToken(gatewayId: string): Promise<string> {
  const url = `/api/v3/gateways/${gatewayId}/token-auth/generate-enrollment-token`;
  return (await ok<{ token: string }>(admin.token, url)).token;
}

async function enrollGateway(token: string): Promise<Answer> {
  return post(undefined, '/api/v3/gateways/token-auth/enroll', { token });
}

async function gatewayAccessToken(gatewayId: string): Promise<string> {
  const res = await enrollGateway(await mintGatewayToken(gatewayId));
  return res.json<{ accessToken: string }>().accessToken;
}

beforeAll(async () => {
  cp = await startTestControlPlane();
  admin = await bootstrap(cp);
  fake = await FakeRelayGateway.start();
  echo = net.createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  // A gateway of the classic kind (machine identity) on another relay, to attack.
  const other = await FakeRelayGateway.start();
  ({ gatewayId: identityGatewayId } = await registerFakeRelayGateway(cp, admin, other, 'id-gw', {
    relayName: 'other-relay',
    sshPort: 2399,
  }));
  await other.close();
}, 60_000);

afterAll(async () => {
  await fake?.close();
  echo?.close();
  await cp?.close();
});

describe('an enrolled relay and gateway', () => {
  let relayToken: string;
  let gatewayToken: string;
  let gatewayId: string;
  let relayId: string;

  it('enroll once with admin-minted tokens and connect with their access tokens', async () => {
    relayId = (
      await ok<{ id: string; authMethod: { method: string } }>(admin.token, '/api/v2/relays', {
        name: 'enrolled-relay',
        host: '127.0.0.1',
        sshPort: 2298,
        tlsPort: fake.port,
        authMethod: TOKEN,
      })
    ).id;
    const { token: relayEnrollment, expiresAt } = await ok<{ token: string; expiresAt: string }>(
      admin.token,
      `/api/v2/relays/${relayId}/token-auth/generate-enrollment-token`,
    );
    const hour = Date.parse(expiresAt) - Date.now();
    expect(hour).toBeGreaterThan(59 * 60_000);
    expect(hour).toBeLessThanOrEqual(60 * 60_000);

    const login = await ok<{ accessToken: string; relayId: string; tokenType: string }>(
      undefined,
      '/api/v2/relays/login',
      { method: 'token', token: relayEnrollment },
    );
    expect(login).toMatchObject({ relayId, tokenType: 'Bearer' });
    expect(decodeJwt(login.accessToken)).toMatchObject({
      relayId,
      orgId: admin.orgId,
      authTokenType: 'RELAY_ACCESS_TOKEN',
      tokenVersion: 1,
    });
    relayToken = login.accessToken;
    // Used once: the same enrollment token again is refused.
    const again = await post(undefined, '/api/v2/relays/login', {
      method: 'token',
      token: relayEnrollment,
    });
    expect(again.statusCode).toBe(401);
    expect(again.json<{ message: string }>().message).toMatch(/already used or expired/);

    const relay = await ok<{ relayId: string; pki: PkiMaterial }>(
      relayToken,
      '/api/v2/relays/connect',
    );
    expect(relay.relayId).toBe(relayId);
    fake.useRelayCertificates(relay.pki);
    await ok(relayToken, '/api/v2/relays/heartbeat');

    gatewayId = await createGateway('enrolled-gw');
    const enrolled = await enrollGateway(await mintGatewayToken(gatewayId));
    expect(enrolled.json()).toMatchObject({ gatewayId, tokenType: 'Bearer' });
    gatewayToken = enrolled.json<{ accessToken: string }>().accessToken;
    expect(decodeJwt(gatewayToken)).toMatchObject({
      gatewayId,
      orgId: admin.orgId,
      authTokenType: 'GATEWAY_ACCESS_TOKEN',
    });

    // No relay named and none stored yet: a clear refusal.
    const unnamed = await post(gatewayToken, '/api/v3/gateways/connect', {});
    expect(unnamed.statusCode).toBe(400);
    expect(unnamed.json<{ message: string }>().message).toMatch(/has no relay yet/);

    const registered = await ok<{ gatewayId: string; pki: PkiMaterial }>(
      gatewayToken,
      '/api/v3/gateways/connect',
      { relayName: 'enrolled-relay' },
    );
    expect(registered.gatewayId).toBe(gatewayId);
    fake.useGatewayCertificates(registered.pki);
    // Later connects reuse the stored relay.
    await ok(gatewayToken, '/api/v3/gateways/connect', {});
    await ok(gatewayToken, '/api/v2/gateways/heartbeat', {});

    const test = await ok<{ reachable: boolean }>(
      admin.token,
      `/api/v2/gateways/${gatewayId}/test-connection`,
      { targetHost: '127.0.0.1', targetPort: (echo.address() as net.AddressInfo).port },
    );
    expect(test.reachable).toBe(true);
  });

  it('act only as themselves', async () => {
    const refused = async (token: string, url: string, payload: object, status = 403) => {
      const res = await post(token, url, payload);
      expect({ url, status: res.statusCode }).toEqual({ url, status });
      if (status === 403)
        expect(res.json<{ message: string }>().message.length).toBeGreaterThan(10);
    };
    // A gateway token on relay routes.
    await refused(gatewayToken, '/api/v2/relays/connect', {});
    await refused(gatewayToken, '/api/v2/relays/heartbeat', {});
    await refused(gatewayToken, '/api/v1/relays/heartbeat-org-relay', { name: 'enrolled-relay' });
    // A relay token on gateway routes.
    await refused(relayToken, '/api/v3/gateways/connect', { relayName: 'enrolled-relay' });
    await refused(relayToken, '/api/v2/gateways/heartbeat', {});
    // Another gateway: its tests, its platform certificates, minting its enrollment tokens.
    const target = { targetHost: '127.0.0.1', targetPort: 5432 };
    await refused(gatewayToken, `/api/v2/gateways/${identityGatewayId}/test-connection`, target);
    await refused(gatewayToken, `/api/v2/gateways/${identityGatewayId}/connection-details`, target);
    await refused(
      gatewayToken,
      `/api/v3/gateways/${gatewayId}/token-auth/generate-enrollment-token`,
      {},
    );
    await refused(gatewayToken, '/api/v3/gateways', { name: 'sneaky', authMethod: TOKEN });
    // PAM and identity routes.
    await refused(gatewayToken, '/api/v1/pam/accounts/access', { path: 'a/b', duration: '1h' });
    await refused(gatewayToken, '/api/v1/identities', {
      name: 'x',
      organizationId: admin.orgId,
    });
    // Renaming itself through the identity route onto another relay that does not exist.
    await refused(gatewayToken, '/api/v2/gateways', { relayName: 'nope', name: 'x' }, 404);
  });

  it('stop working when revoked or deleted', async () => {
    const revoked = await ok<{ method: string }>(admin.token, `/api/v2/relays/${relayId}/revoke`);
    expect(revoked.method).toBe('token');
    const afterRevoke = await post(relayToken, '/api/v2/relays/heartbeat');
    expect(afterRevoke.statusCode).toBe(401);
    expect(afterRevoke.json<{ message: string }>().message).toMatch(/revoked/);
    // A new enrollment gives a token of the new version, which works.
    const { token } = await ok<{ token: string }>(
      admin.token,
      `/api/v2/relays/${relayId}/token-auth/generate-enrollment-token`,
    );
    const relogin = await ok<{ accessToken: string }>(undefined, '/api/v2/relays/login', {
      method: 'token',
      token,
    });
    expect(decodeJwt(relogin.accessToken).tokenVersion).toBe(2);
    await ok(relogin.accessToken, '/api/v2/relays/heartbeat');

    const deleted = await cp.app.inject({
      method: 'DELETE',
      url: `/api/v2/gateways/${gatewayId}`,
      headers: auth(admin.token),
    });
    expect(deleted.statusCode).toBe(200);
    expect((await post(gatewayToken, '/api/v3/gateways/connect', {})).statusCode).toBe(401);
    expect((await get(gatewayToken, '/api/v1/relays')).statusCode).toBe(401);
  });
});

describe('enrollment tokens', () => {
  it('are refused for the other kind without being spent, and voided by a newer one', async () => {
    const gatewayId = await createGateway('kind-gw');
    const first = await mintGatewayToken(gatewayId);
    const wrongKind = await post(undefined, '/api/v2/relays/login', {
      method: 'token',
      token: first,
    });
    expect(wrongKind.statusCode).toBe(401);
    const second = await mintGatewayToken(gatewayId);
    expect((await enrollGateway(first)).statusCode).toBe(401);
    expect((await enrollGateway(second)).statusCode).toBe(200);
  });

  it('are stored as digests only', async () => {
    const gatewayId = await createGateway('digest-gw');
    const token = await mintGatewayToken(gatewayId);
    const rows = cp.context.db
      .prepare('SELECT * FROM resource_enrollment_tokens WHERE resource_id = ?')
      .all(gatewayId);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('expire after an hour', async () => {
    const gatewayId = await createGateway('expiry-gw');
    const token = await mintGatewayToken(gatewayId);
    // An hour later (the row's expiry moved to the past instead of waiting).
    cp.context.db
      .prepare('UPDATE resource_enrollment_tokens SET expires_at = ? WHERE resource_id = ?')
      .run(Date.now() - 1, gatewayId);
    const res = await enrollGateway(token);
    expect(res.statusCode).toBe(401);
    expect(res.json<{ message: string }>().message).toMatch(/already used or expired/);
  });

  it('cannot be minted for a gateway that logs in as a machine identity', async () => {
    const res = await post(
      admin.token,
      `/api/v3/gateways/${identityGatewayId}/token-auth/generate-enrollment-token`,
    );
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toMatch(/machine identity/);
  });

  it('refuse the aws method as not built', async () => {
    const res = await post(admin.token, '/api/v3/gateways', {
      name: 'aws-gw',
      authMethod: { method: 'aws' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toMatch(/aws.*not built/);
    const login = await post(undefined, '/api/v2/relays/login', {
      method: 'aws',
      relayId: '00000000-0000-4000-8000-000000000000',
      iamHttpRequestMethod: 'POST',
      iamRequestBody: '',
      iamRequestHeaders: '',
    });
    expect(login.statusCode).toBe(400);
  });
});

describe('resource access tokens', () => {
  it('are refused when signed with another key or with another gateway’s ID put in', async () => {
    const gatewayId = await createGateway('forge-gw');
    const genuine = await gatewayAccessToken(gatewayId);
    expect((await get(genuine, '/api/v1/relays')).statusCode).toBe(200);

    const key = resourceTokenKey(Buffer.alloc(32, 1));
    const otherKey = signResourceAccessToken(key, {
      type: 'gateway',
      resourceId: gatewayId,
      orgId: admin.orgId,
      tokenVersion: 1,
    });
    expect((await post(otherKey, '/api/v3/gateways/connect', {})).statusCode).toBe(401);

    const [header, payload, signature] = genuine.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as object;
    const moved = Buffer.from(JSON.stringify({ ...claims, gatewayId: identityGatewayId })).toString(
      'base64url',
    );
    expect((await get(`${header}.${moved}.${signature}`, '/api/v1/relays')).statusCode).toBe(401);
  });

  it('die with the identity an admin deletes', async () => {
    const gatewayId = await createGateway('orphan-gw');
    const token = await gatewayAccessToken(gatewayId);
    const { identityId } = cp.context.gateways.get(gatewayId) as { identityId: string };
    const res = await cp.app.inject({
      method: 'DELETE',
      url: `/api/v1/identities/${identityId}`,
      headers: auth(admin.token),
    });
    expect(res.statusCode).toBe(200);
    expect((await get(token, '/api/v1/relays')).statusCode).toBe(401);
  });
});

describe('enroll and login', () => {
  it('allow 10 requests a minute from one address (429 after)', async () => {
    // From an address of its own: the other tests' enrollments count for 127.0.0.1.
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const res = await cp.app.inject({
        method: 'POST',
        url: '/api/v3/gateways/token-auth/enroll',
        remoteAddress: '192.0.2.7',
        payload: { token: `bad-${i}` },
      });
      statuses.push(res.statusCode);
    }
    expect(statuses.slice(0, 10).every((status) => status === 401)).toBe(true);
    expect(statuses[10]).toBe(429);
    const member = await identityWithToken(cp, admin, 'rate-member', 'member');
    // Other routes are not limited.
    expect((await get(member.token, '/api/v1/relays')).statusCode).toBe(200);
    const other = await cp.app.inject({
      method: 'POST',
      url: '/api/v2/relays/login',
      remoteAddress: '192.0.2.8',
      payload: { method: 'token', token: 'bad' },
    });
    expect(other.statusCode).toBe(401);
  });
});
