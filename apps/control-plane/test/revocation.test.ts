/**
 * Revocation that bites (issue 12), at the API (app.inject), with a stand-in relay and gateway
 * built from the certificates the control plane issued (support/fake-relay-gateway.ts), so the
 * commands the control plane sends to the gateway are seen with the certificates they carry.
 * The real gateway acting on them is tested in apps/gateway and stack/.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ALPN } from '@burrow/tunnel-protocol';
import { FakeRelayGateway, type PkiMaterial } from './support/fake-relay-gateway.ts';
import {
  auth,
  bootstrap,
  identityWithToken,
  memberWithToken,
  RELAY_AUTH_SECRET,
  startTestControlPlane,
  type Bootstrapped,
  type TestControlPlane,
} from './support/test-control-plane.ts';

let cp: TestControlPlane;
let admin: Bootstrapped;
let fake: FakeRelayGateway;
let gw: { identityId: string; token: string };
let gatewayId: string;
let accountId: string;

type Method = 'GET' | 'POST' | 'DELETE' | 'PATCH';
function call(token: string, method: Method, url: string, payload?: object) {
  return cp.app.inject({
    method,
    url,
    headers: auth(token),
    ...(payload === undefined ? {} : { payload }),
  });
}

/** A member with a grant on `prod/` (what PAM access needs). */
async function person(name: string): Promise<{ identityId: string; token: string }> {
  const made = await memberWithToken(cp, admin, name);
  const granted = await call(admin.token, 'POST', '/api/v1/pam/grants', {
    identityId: made.identityId,
    path: 'prod/',
  });
  expect(granted.statusCode).toBe(200);
  return made;
}

async function openSession(token: string): Promise<string> {
  const res = await call(token, 'POST', '/api/v1/pam/accounts/access', {
    path: 'prod/orders-db',
    duration: '1h',
  });
  expect(res.statusCode).toBe(200);
  return res.json<{ sessionId: string }>().sessionId;
}

async function sessionStatus(sessionId: string): Promise<string> {
  const res = await call(admin.token, 'GET', `/api/v1/pam/sessions/${sessionId}`);
  return res.json<{ session: { status: string } }>().session.status;
}

/**
 * Waits (up to the 5 s bound) until the stand-in gateway has seen what `seen` looks for: the
 * control plane answers once the command's handshake is done on its side, a moment before the
 * gateway's side reports it.
 */
async function eventually<T>(seen: () => T[], count = 1): Promise<T[]> {
  const deadline = Date.now() + 5_000;
  while (seen().length < count && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return seen();
}

/** The commands the stand-in gateway received for `sessionId` (cancellations). */
function cancellationsOf(sessionId: string) {
  return fake.gatewayPeers.filter(
    (peer) =>
      peer.alpn === ALPN.pamSessionCancellation &&
      peer.extensions.pamSession?.sessionId === sessionId,
  );
}

beforeAll(async () => {
  cp = await startTestControlPlane();
  admin = await bootstrap(cp);
  fake = await FakeRelayGateway.start([
    ALPN.health,
    ALPN.ping,
    ALPN.pamSessionCancellation,
    ALPN.gatewayCheckIn,
  ]);
  const relayIdentity = await identityWithToken(cp, admin, 'relay', 'relay');
  const relay = await call(relayIdentity.token, 'POST', '/api/v1/relays/register-org-relay', {
    host: '127.0.0.1',
    name: 'fake-relay',
    sshPort: 2299,
    tlsPort: fake.port,
  });
  fake.useRelayCertificates(relay.json<{ pki: PkiMaterial }>().pki);
  gw = await identityWithToken(cp, admin, 'gateway', 'gateway');
  const registered = await call(gw.token, 'POST', '/api/v2/gateways', {
    relayName: 'fake-relay',
    name: 'fake-gw',
  });
  const body = registered.json<{ gatewayId: string; pki: PkiMaterial }>();
  gatewayId = body.gatewayId;
  fake.useGatewayCertificates(body.pki);
  const resource = await call(admin.token, 'POST', '/api/v1/pam/resources', {
    name: 'orders',
    resourceType: 'postgres',
    gatewayId,
    connectionDetails: { host: 'db.internal', port: 5432, database: 'orders' },
  });
  const account = await call(admin.token, 'POST', '/api/v1/pam/accounts', {
    resourceId: resource.json<{ resource: { id: string } }>().resource.id,
    name: 'orders-db',
    folderPath: 'prod',
    credentials: { username: 'app', password: 'first-password' },
  });
  accountId = account.json<{ account: { id: string } }>().account.id;
});

afterAll(async () => {
  await fake.close();
  await cp.close();
});

describe('ending a PAM session', () => {
  it("an admin ends someone else's session: ended, and its gateway gets the reference's cancellation for it", async () => {
    const alice = await person('alice');
    const bob = await memberWithToken(cp, admin, 'bob');
    const sessionId = await openSession(alice.token);
    const byBob = await call(bob.token, 'POST', `/api/v1/pam/sessions/${sessionId}/end`, {});
    expect(byBob.statusCode).toBe(403);
    expect(byBob.json<{ message: string }>().message).toMatch(/user, its gateway or an admin/);

    const started = Date.now();
    const byAdmin = await call(admin.token, 'POST', `/api/v1/pam/sessions/${sessionId}/end`, {});
    expect(byAdmin.statusCode).toBe(200);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await sessionStatus(sessionId)).toBe('ended');
    const [cancellation, ...more] = await eventually(() => cancellationsOf(sessionId));
    expect(more).toEqual([]);
    expect(cancellation).toMatchObject({
      subject: { CN: `platform:${gatewayId}`, OU: 'gateway-client' },
      extensions: {
        actor: { type: 'platform' },
        pamSession: { sessionId, resourceType: 'postgres' },
      },
    });
    // The gateway's credentials for it are gone too (its cache was dropped by the cancellation).
    const credentials = await call(
      gw.token,
      'GET',
      `/api/v1/pam/sessions/${sessionId}/credentials`,
    );
    expect(credentials.statusCode).toBe(410);
  });

  it('the gateway ending a session itself gets no cancellation back', async () => {
    const carol = await person('carol');
    const sessionId = await openSession(carol.token);
    const res = await call(gw.token, 'POST', `/api/v1/pam/sessions/${sessionId}/end`, {});
    expect(res.statusCode).toBe(200);
    // A later cancellation arrives; none ever did for the session the gateway ended itself.
    const later = await openSession(carol.token);
    await call(admin.token, 'POST', `/api/v1/pam/sessions/${later}/end`, {});
    expect(await eventually(() => cancellationsOf(later))).toHaveLength(1);
    expect(cancellationsOf(sessionId)).toEqual([]);
  });
});

describe('revoking a token', () => {
  it('is refused at the next request, and the sessions it opened end at the gateway', async () => {
    const dave = await person('dave');
    const sessionId = await openSession(dave.token);
    expect((await call(dave.token, 'GET', '/api/v2/gateways')).statusCode).toBe(200);
    const revoked = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token/revoke',
      payload: { accessToken: dave.token },
    });
    expect(revoked.statusCode).toBe(200);
    const next = await call(dave.token, 'GET', '/api/v2/gateways');
    expect(next.statusCode).toBe(401);
    expect(next.json<{ message: string }>().message).toMatch(/revoked/);
    expect(await sessionStatus(sessionId)).toBe('ended');
    expect(await eventually(() => cancellationsOf(sessionId))).toHaveLength(1);
  });
});

describe('revoking a universal-auth client secret', () => {
  it('refuses the secret and the tokens it issued; only admins may', async () => {
    const created = await call(admin.token, 'POST', '/api/v1/identities', {
      name: 'ci',
      organizationId: admin.orgId,
    });
    const identityId = created.json<{ identity: { id: string } }>().identity.id;
    const ua = await call(
      admin.token,
      'POST',
      `/api/v1/auth/universal-auth/identities/${identityId}`,
      {},
    );
    const { clientId } = ua.json<{ identityUniversalAuth: { clientId: string } }>()
      .identityUniversalAuth;
    const secret = await call(
      admin.token,
      'POST',
      `/api/v1/auth/universal-auth/identities/${identityId}/client-secrets`,
      {},
    );
    const { clientSecret, clientSecretData } = secret.json<{
      clientSecret: string;
      clientSecretData: { id: string };
    }>();
    const login = () =>
      cp.app.inject({
        method: 'POST',
        url: '/api/v1/auth/universal-auth/login',
        payload: { clientId, clientSecret },
      });
    const token = (await login()).json<{ accessToken: string }>().accessToken;
    const url = `/api/v1/auth/universal-auth/identities/${identityId}/client-secrets/${clientSecretData.id}/revoke`;
    const member = await memberWithToken(cp, admin, 'erin');
    expect((await call(member.token, 'POST', url)).statusCode).toBe(403);

    const res = await call(admin.token, 'POST', url);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      clientSecretData: { id: clientSecretData.id, identityId, isClientSecretRevoked: true },
    });
    expect((await login()).statusCode).toBe(401);
    expect((await call(token, 'GET', '/api/v2/gateways')).statusCode).toBe(401);
    const unknown = await call(
      admin.token,
      'POST',
      `/api/v1/auth/universal-auth/identities/${identityId}/client-secrets/00000000-0000-4000-8000-000000000000/revoke`,
    );
    expect(unknown.statusCode).toBe(404);
  });
});

describe('deleting an identity', () => {
  it('revokes its tokens and logins at once and ends its sessions at the gateway; admins only, never itself', async () => {
    const frank = await person('frank');
    const sessionId = await openSession(frank.token);
    const member = await memberWithToken(cp, admin, 'grace');
    const url = `/api/v1/identities/${frank.identityId}`;
    expect((await call(member.token, 'DELETE', url)).statusCode).toBe(403);
    const self = await call(admin.token, 'DELETE', `/api/v1/identities/${admin.identityId}`);
    expect(self.statusCode).toBe(403);
    expect(self.json<{ message: string }>().message).toMatch(/cannot delete itself/);

    const res = await call(admin.token, 'DELETE', url);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ identity: { id: frank.identityId, name: 'frank' } });
    expect((await call(frank.token, 'GET', '/api/v2/gateways')).statusCode).toBe(401);
    expect(await sessionStatus(sessionId)).toBe('ended');
    expect(await eventually(() => cancellationsOf(sessionId))).toHaveLength(1);
    expect((await call(admin.token, 'GET', url)).statusCode).toBe(404);
    expect((await call(admin.token, 'DELETE', url)).statusCode).toBe(404);
    const mint = await call(
      admin.token,
      'POST',
      `/api/v1/auth/token-auth/identities/${frank.identityId}/tokens`,
      {},
    );
    expect(mint.statusCode).toBe(404);
  });
});

describe('rotating a PAM account password', () => {
  it('admins only; new sessions get the new password, running ones are not ended', async () => {
    const heidi = await person('heidi');
    const running = await openSession(heidi.token);
    const url = `/api/v1/pam/accounts/${accountId}`;
    const body = { credentials: { password: 'second-password' } };
    expect((await call(heidi.token, 'PATCH', url, body)).statusCode).toBe(403);
    const res = await call(admin.token, 'PATCH', url, body);
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('second-password');
    expect(res.json()).toMatchObject({ account: { id: accountId, path: 'prod/orders-db' } });
    expect(await sessionStatus(running)).toBe('active');
    const fresh = await openSession(heidi.token);
    const credentials = await call(gw.token, 'GET', `/api/v1/pam/sessions/${fresh}/credentials`);
    expect(credentials.json()).toMatchObject({ credentials: { password: 'second-password' } });
  });
});

describe('deleting a relay', () => {
  it('admins only; it is no longer listed or usable, cannot register again, and its heartbeat answers 404', async () => {
    const owner = await identityWithToken(cp, admin, 'relay-2', 'relay');
    const registered = await call(owner.token, 'POST', '/api/v1/relays/register-org-relay', {
      host: '127.0.0.2',
      name: 'edge-2',
    });
    const relayId = registered.json<{ relayId: string }>().relayId;
    expect((await call(owner.token, 'DELETE', `/api/v1/relays/${relayId}`)).statusCode).toBe(403);
    const res = await call(admin.token, 'DELETE', `/api/v1/relays/${relayId}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: relayId, name: 'edge-2' });
    const listed = await call(admin.token, 'GET', '/api/v1/relays');
    expect(listed.json<Array<{ name: string }>>().map((r) => r.name)).not.toContain('edge-2');
    const again = await call(owner.token, 'POST', '/api/v1/relays/register-org-relay', {
      host: '127.0.0.2',
      name: 'edge-2',
    });
    expect(again.statusCode).toBe(403);
    expect(again.json<{ message: string }>().message).toMatch(/was deleted/);
    const heartbeat = await call(owner.token, 'POST', '/api/v1/relays/heartbeat-org-relay', {
      name: 'edge-2',
    });
    expect(heartbeat.statusCode).toBe(404);
    const gatewayThere = await identityWithToken(cp, admin, 'gw-2', 'gateway');
    const onDeleted = await call(gatewayThere.token, 'POST', '/api/v2/gateways', {
      relayName: 'edge-2',
      name: 'gw-2',
    });
    expect(onDeleted.statusCode).toBe(404);
  });

  it('an instance relay is not an organization’s to delete', async () => {
    const registered = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/relays/register-instance-relay',
      headers: { authorization: `Bearer ${RELAY_AUTH_SECRET}` },
      payload: { host: '127.0.0.3', name: 'shared' },
    });
    const relayId = registered.json<{ relayId: string }>().relayId;
    const res = await call(admin.token, 'DELETE', `/api/v1/relays/${relayId}`);
    expect(res.statusCode).toBe(403);
    expect(res.json<{ message: string }>().message).toMatch(/instance relay/);
  });
});

describe('deleting a gateway', () => {
  it('ends its sessions, tells the gateway to check in, and refuses it from then on', async () => {
    const ivan = await person('ivan');
    const sessionId = await openSession(ivan.token);
    const member = await memberWithToken(cp, admin, 'judy');
    expect((await call(member.token, 'DELETE', `/api/v2/gateways/${gatewayId}`)).statusCode).toBe(
      403,
    );
    const before = fake.gatewayPeers.length;
    const res = await call(admin.token, 'DELETE', `/api/v2/gateways/${gatewayId}`);
    expect(res.statusCode).toBe(200);
    const checkIns = await eventually(() =>
      fake.gatewayPeers.slice(before).filter((peer) => peer.alpn === ALPN.gatewayCheckIn),
    );
    expect(checkIns).toHaveLength(1);
    expect(checkIns[0]).toMatchObject({
      subject: { CN: `platform:${gatewayId}` },
      extensions: { actor: { type: 'platform' } },
    });
    expect(await sessionStatus(sessionId)).toBe('ended');
    // What the gateway hears when it checks in: refused.
    const registration = await call(gw.token, 'POST', '/api/v2/gateways', {
      relayName: 'fake-relay',
      name: 'fake-gw',
    });
    expect(registration.statusCode).toBe(403);
    const access = await call(ivan.token, 'POST', '/api/v1/pam/accounts/access', {
      path: 'prod/orders-db',
      duration: '1h',
    });
    expect(access.statusCode).toBe(409);
  });
});
