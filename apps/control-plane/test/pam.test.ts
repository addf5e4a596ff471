import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { X509Certificate, createCipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { readBurrowExtensions } from '@burrow/pki';
import { repeatedJsonKeys } from '@burrow/test-support';
import {
  auth,
  bootstrap,
  memberWithToken,
  startTestControlPlane,
  type Bootstrapped,
  type TestControlPlane,
} from './support/test-control-plane.ts';
import { grantPam, registerGateway, registerOrgRelay } from './support/org-setup.ts';

const PASSWORD = 'pg-secret-Tr0ub4dor&3';
const HOUR = 3_600_000;

let cp: TestControlPlane;
let admin: Bootstrapped;
let logs = '';
let gw: { identityId: string; token: string };
let user: { identityId: string; token: string };
let other: { identityId: string; token: string };
let gatewayId: string;
let resourceId: string;

function call(
  token: string,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
) {
  return cp.app.inject({
    method,
    url,
    headers: { ...auth(token), ...headers },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

async function openSession(duration = '1h', reason?: string): Promise<string> {
  const res = await call(user.token, 'POST', '/api/v1/pam/accounts/access', {
    path: 'prod/orders-db',
    duration,
    ...(reason ? { reason } : {}),
  });
  expect(res.statusCode).toBe(200);
  return res.json<{ sessionId: string }>().sessionId;
}

beforeAll(async () => {
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  cp = await startTestControlPlane({ logStream, logLevel: 'debug' });
  admin = await bootstrap(cp);
  await registerOrgRelay(cp, admin);
  ({ identity: gw, gatewayId } = await registerGateway(cp, admin, 'gw-identity', 'gw-1'));
  user = await memberWithToken(cp, admin, 'alice');
  other = await memberWithToken(cp, admin, 'bob');
  await grantPam(cp, admin, user.identityId, 'prod/');
});
afterAll(async () => {
  await cp.close();
});

describe('PAM resources and accounts', () => {
  it('an admin creates a postgres resource on a gateway; admins list it, members may not', async () => {
    const res = await call(admin.token, 'POST', '/api/v1/pam/resources', {
      name: 'orders',
      resourceType: 'postgres',
      gatewayId,
      connectionDetails: { host: 'db.internal', port: 5432, database: 'orders' },
    });
    expect(res.statusCode).toBe(200);
    const { resource } = res.json<{ resource: { id: string; gatewayId: string } }>();
    resourceId = resource.id;
    expect(resource).toMatchObject({
      name: 'orders',
      resourceType: 'postgres',
      gatewayId,
      connectionDetails: { host: 'db.internal', port: 5432, database: 'orders' },
    });
    const list = await call(admin.token, 'GET', '/api/v1/pam/resources');
    expect(list.json<{ resources: Array<{ id: string }> }>().resources.map((r) => r.id)).toEqual([
      resourceId,
    ]);
    // Resources name internal hosts: members see the accounts they may open, not the resources.
    expect((await call(user.token, 'GET', '/api/v1/pam/resources')).statusCode).toBe(403);
  });

  it('refuses members, unknown gateways, other types, duplicates', async () => {
    const body = {
      name: 'x',
      resourceType: 'postgres',
      gatewayId,
      connectionDetails: { host: 'h', port: 5432, database: 'd' },
    };
    expect((await call(user.token, 'POST', '/api/v1/pam/resources', body)).statusCode).toBe(403);
    const unknownGateway = { ...body, gatewayId: '00000000-0000-4000-8000-000000000000' };
    expect(
      (await call(admin.token, 'POST', '/api/v1/pam/resources', unknownGateway)).statusCode,
    ).toBe(404);
    const mysql = { ...body, resourceType: 'mysql' };
    expect((await call(admin.token, 'POST', '/api/v1/pam/resources', mysql)).statusCode).toBe(400);
    const duplicate = { ...body, name: 'orders' };
    expect((await call(admin.token, 'POST', '/api/v1/pam/resources', duplicate)).statusCode).toBe(
      409,
    );
  });

  it('an account gets a folder path; its password is never answered and sealed at rest', async () => {
    const res = await call(admin.token, 'POST', '/api/v1/pam/accounts', {
      resourceId,
      name: 'orders-db',
      folderPath: 'prod',
      credentials: { username: 'app', password: PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      account: { name: 'orders-db', path: 'prod/orders-db', resourceId, resourceType: 'postgres' },
    });
    expect(res.body).not.toContain(PASSWORD);
    const list = await call(user.token, 'GET', '/api/v1/pam/accounts');
    expect(list.json<{ accounts: Array<{ path: string }> }>().accounts.map((a) => a.path)).toEqual([
      'prod/orders-db',
    ]);
    expect(list.body).not.toContain(PASSWORD);
    // bob has no grant: he lists nothing.
    const bobs = await call(other.token, 'GET', '/api/v1/pam/accounts');
    expect(bobs.json()).toEqual({ accounts: [] });
    const again = await call(admin.token, 'POST', '/api/v1/pam/accounts', {
      resourceId,
      name: 'orders-db',
      folderPath: 'prod',
      credentials: { username: 'app', password: 'x' },
    });
    expect(again.statusCode).toBe(409);
    expect(
      (
        await call(user.token, 'POST', '/api/v1/pam/accounts', {
          resourceId,
          name: 'y',
          credentials: { username: 'a', password: 'b' },
        })
      ).statusCode,
    ).toBe(403);
    // Nowhere in the database files in plaintext.
    cp.context.db.pragma('wal_checkpoint(TRUNCATE)');
    for (const name of fs.readdirSync(cp.dataDir)) {
      const file = path.join(cp.dataDir, name);
      if (fs.statSync(file).isFile()) {
        expect(fs.readFileSync(file).includes(Buffer.from(PASSWORD))).toBe(false);
      }
    }
  });
});

describe('PAM grants', () => {
  it('admins grant, list and revoke; a revoked grant stops new sessions', async () => {
    const carol = await memberWithToken(cp, admin, 'carol');
    const access = () =>
      call(carol.token, 'POST', '/api/v1/pam/accounts/access', {
        path: 'prod/orders-db',
        duration: '1h',
      });
    const before = await access();
    expect(before.statusCode).toBe(403);
    expect(before.json<{ message: string }>().message).toBe(
      'No grant gives this identity access to prod/orders-db; an admin can grant the account or its folder (POST /api/v1/pam/grants)',
    );
    const created = await call(admin.token, 'POST', '/api/v1/pam/grants', {
      identityId: carol.identityId,
      path: 'prod/orders-db',
    });
    expect(created.statusCode).toBe(200);
    const grant = created.json<{ grant: { id: string } }>().grant;
    expect(created.json()).toMatchObject({
      grant: { identityId: carol.identityId, path: 'prod/orders-db', createdBy: admin.identityId },
    });
    const again = await call(admin.token, 'POST', '/api/v1/pam/grants', {
      identityId: carol.identityId,
      path: 'prod/orders-db',
    });
    expect(again.statusCode).toBe(409);
    expect((await access()).statusCode).toBe(200);
    const listed = await call(
      admin.token,
      'GET',
      `/api/v1/pam/grants?identityId=${carol.identityId}`,
    );
    expect(listed.json<{ grants: Array<{ id: string }> }>().grants.map((g) => g.id)).toEqual([
      grant.id,
    ]);
    expect((await call(admin.token, 'DELETE', `/api/v1/pam/grants/${grant.id}`)).statusCode).toBe(
      200,
    );
    expect((await access()).statusCode).toBe(403);
    expect((await call(carol.token, 'GET', '/api/v1/pam/accounts')).json()).toEqual({
      accounts: [],
    });
  });

  it('refuses grants that could not give access, and refuses them for the unknown', async () => {
    const forGateway = await call(admin.token, 'POST', '/api/v1/pam/grants', {
      identityId: gw.identityId,
      path: 'prod/',
    });
    expect(forGateway.statusCode).toBe(400);
    expect(forGateway.json<{ message: string }>().message).toMatch(/gateway role cannot access/);
    const unknown = await call(admin.token, 'POST', '/api/v1/pam/grants', {
      identityId: '00000000-0000-4000-8000-000000000000',
      path: 'prod/',
    });
    expect(unknown.statusCode).toBe(404);
    const badPath = await call(admin.token, 'POST', '/api/v1/pam/grants', {
      identityId: other.identityId,
      path: '/',
    });
    expect(badPath.statusCode).toBe(400);
  });
});

describe('PAM access', () => {
  it('answers the reference’s fields; certificates live exactly the session', async () => {
    const before = Date.now();
    const res = await call(user.token, 'POST', '/api/v1/pam/accounts/access', {
      path: 'prod/orders-db',
      duration: '3600000ms',
      reason: 'incident 42',
    });
    expect(res.statusCode).toBe(200);
    const grant = res.json<Record<string, string> & { metadata: unknown }>();
    expect(res.body).not.toContain(PASSWORD);
    expect(grant).toMatchObject({
      accountType: 'postgres',
      resourceType: 'postgres',
      metadata: {
        username: 'app',
        database: 'orders',
        accountName: 'orders-db',
        resourceName: 'orders',
      },
      relayHost: '127.0.0.1',
    });
    for (const field of ['relayClientPrivateKey', 'gatewayClientPrivateKey']) {
      expect(grant[field]).toContain('-----BEGIN PRIVATE KEY-----');
    }
    const gatewayCert = new X509Certificate(grant.gatewayClientCertificate as string);
    const relayCert = new X509Certificate(grant.relayClientCertificate as string);
    for (const cert of [gatewayCert, relayCert]) {
      const notAfter = Date.parse(cert.validTo);
      expect(notAfter).toBeGreaterThanOrEqual(before + HOUR - 2000);
      expect(notAfter).toBeLessThanOrEqual(Date.now() + HOUR + 1000);
    }
    expect(relayCert.subject).toContain(`CN=${gatewayId}`);
    expect(gatewayCert.subject).toContain(`CN=identity:${gatewayId}`);
    expect(readBurrowExtensions(gatewayCert.raw)).toEqual({
      routing: { targetHost: 'db.internal', targetPort: 5432 },
      actor: { type: 'identity', id: user.identityId, name: 'alice' },
      pamSession: { sessionId: grant.sessionId, resourceType: 'postgres' },
    });
    // The extensions hold exactly the contract's JSON.
    for (const json of [
      '{"targetHost":"db.internal","targetPort":5432}',
      `{"type":"identity","id":"${user.identityId}","name":"alice"}`,
      `{"sessionId":"${grant.sessionId}","resourceType":"postgres"}`,
    ]) {
      expect(gatewayCert.raw.includes(Buffer.from(json))).toBe(true);
    }
    const sessions = await call(user.token, 'GET', '/api/v1/pam/sessions');
    expect(sessions.json<{ sessions: unknown[] }>().sessions[0]).toMatchObject({
      id: grant.sessionId,
      accountPath: 'prod/orders-db',
      status: 'active',
      reason: 'incident 42',
      eventCount: 0,
      endedAt: null,
    });
  });

  it('accepts "1h"; refuses nonsense, zero, more than 24 h, unknown paths', async () => {
    const res = await call(user.token, 'POST', '/api/v1/pam/accounts/access', {
      path: 'prod/orders-db',
      duration: '30m',
    });
    const notAfter = Date.parse(
      new X509Certificate(res.json<{ gatewayClientCertificate: string }>().gatewayClientCertificate)
        .validTo,
    );
    expect(Math.abs(notAfter - (Date.now() + HOUR / 2))).toBeLessThan(3000);
    for (const [duration, status] of [
      ['soon', 400],
      ['0ms', 400],
      ['25h', 400],
      ['1h', 200],
      ['24h', 200],
    ] as const) {
      const r = await call(user.token, 'POST', '/api/v1/pam/accounts/access', {
        path: 'prod/orders-db',
        duration,
      });
      expect([duration, r.statusCode]).toEqual([duration, status]);
    }
    const unknown = await call(user.token, 'POST', '/api/v1/pam/accounts/access', {
      path: 'prod/nope',
      duration: '1h',
    });
    expect(unknown.statusCode).toBe(404);
  });
});

describe('PAM inventory changes: edit a resource, delete what holds no evidence', () => {
  it('replaces a resource’s settings (admin; checked against its type)', async () => {
    const url = `/api/v1/pam/resources/${resourceId}`;
    const details = { host: 'db2.internal', port: 5433, database: 'orders' };
    const bad = await call(admin.token, 'PATCH', url, { connectionDetails: { host: 'db2' } });
    expect(bad.statusCode).toBe(400);
    expect((await call(user.token, 'PATCH', url, { connectionDetails: details })).statusCode).toBe(
      403,
    );
    const res = await call(admin.token, 'PATCH', url, { connectionDetails: details });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ resource: { id: resourceId, connectionDetails: details } });
    // Back as it was: the session tests below expect the first settings.
    const original = { host: 'db.internal', port: 5432, database: 'orders' };
    expect(
      (await call(admin.token, 'PATCH', url, { connectionDetails: original })).statusCode,
    ).toBe(200);
  });

  it('keeps a resource that has accounts and an account that has sessions (their recordings are evidence)', async () => {
    const resource = await call(admin.token, 'DELETE', `/api/v1/pam/resources/${resourceId}`);
    expect(resource.statusCode).toBe(409);
    expect(resource.json<{ message: string }>().message).toMatch(/still has \d+ accounts?/);
    const accounts = await call(admin.token, 'GET', '/api/v1/pam/accounts');
    const used = accounts
      .json<{ accounts: { id: string; path: string }[] }>()
      .accounts.find((a) => a.path === 'prod/orders-db');
    const account = await call(admin.token, 'DELETE', `/api/v1/pam/accounts/${used?.id}`);
    expect(account.statusCode).toBe(409);
    expect(account.json<{ message: string }>().message).toMatch(
      /prod\/orders-db has \d+ recorded sessions?, which are evidence/,
    );
  });

  it('deletes an unused account with the grants on exactly its path, then its resource', async () => {
    const created = await call(admin.token, 'POST', '/api/v1/pam/resources', {
      name: 'scratch',
      resourceType: 'postgres',
      gatewayId,
      connectionDetails: { host: 'scratch.internal', port: 5432, database: 'scratch' },
    });
    const scratchId = created.json<{ resource: { id: string } }>().resource.id;
    const account = await call(admin.token, 'POST', '/api/v1/pam/accounts', {
      resourceId: scratchId,
      name: 'tmp',
      folderPath: 'scratch',
      credentials: { username: 'app', password: 'pw' },
    });
    const accountId = account.json<{ account: { id: string } }>().account.id;
    await grantPam(cp, admin, other.identityId, 'scratch/tmp');
    await grantPam(cp, admin, other.identityId, 'scratch/');
    expect(
      (await call(other.token, 'DELETE', `/api/v1/pam/accounts/${accountId}`)).statusCode,
    ).toBe(403);
    const deleted = await call(admin.token, 'DELETE', `/api/v1/pam/accounts/${accountId}`);
    expect(deleted.statusCode).toBe(200);
    expect(deleted.json()).toMatchObject({ account: { id: accountId, path: 'scratch/tmp' } });
    const grants = await call(admin.token, 'GET', '/api/v1/pam/grants');
    const bobs = grants
      .json<{ grants: { identityId: string; path: string }[] }>()
      .grants.filter((g) => g.identityId === other.identityId)
      .map((g) => g.path);
    expect(bobs).toEqual(['scratch/']);
    expect(
      (await call(admin.token, 'DELETE', `/api/v1/pam/accounts/${accountId}`)).statusCode,
    ).toBe(404);
    const gone = await call(admin.token, 'DELETE', `/api/v1/pam/resources/${scratchId}`);
    expect(gone.statusCode).toBe(200);
    const left = await call(admin.token, 'GET', '/api/v1/pam/resources');
    expect(left.json<{ resources: { id: string }[] }>().resources.map((r) => r.id)).not.toContain(
      scratchId,
    );
  });
});

describe('PAM session credentials, key, events, end', () => {
  it('credentials: only the session’s gateway; 410 after end or expiry', async () => {
    const sessionId = await openSession();
    const url = `/api/v1/pam/sessions/${sessionId}/credentials`;
    const ok = await call(gw.token, 'GET', url);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({
      credentials: {
        host: 'db.internal',
        port: 5432,
        database: 'orders',
        username: 'app',
        password: PASSWORD,
        sslEnabled: false,
        sslRejectUnauthorized: true,
      },
    });
    for (const token of [user.token, admin.token, other.token]) {
      expect((await call(token, 'GET', url)).statusCode).toBe(403);
    }
    expect(
      (await call(user.token, 'POST', `/api/v1/pam/sessions/${sessionId}/end`, {})).statusCode,
    ).toBe(200);
    const gone = await call(gw.token, 'GET', url);
    expect(gone.statusCode).toBe(410);
    expect(gone.json()).toMatchObject({ statusCode: 410, error: 'Gone' });

    const expiring = await openSession();
    cp.context.db
      .prepare('UPDATE pam_sessions SET expires_at = ? WHERE id = ?')
      .run(Date.now() - 1, expiring);
    expect(
      (await call(gw.token, 'GET', `/api/v1/pam/sessions/${expiring}/credentials`)).statusCode,
    ).toBe(410);
    const listed = await call(user.token, 'GET', '/api/v1/pam/sessions');
    const statuses = Object.fromEntries(
      listed
        .json<{ sessions: Array<{ id: string; status: string }> }>()
        .sessions.map((s) => [s.id, s.status]),
    );
    expect(statuses[sessionId]).toBe('ended');
    expect(statuses[expiring]).toBe('expired');
  });

  it('the gateway’s session key: 32 raw bytes, the same every time, sealed at rest; only for gateways', async () => {
    const first = await call(gw.token, 'GET', '/api/v2/gateways/pam-session-key');
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toBe('application/octet-stream');
    expect(first.rawPayload).toHaveLength(32);
    const second = await call(gw.token, 'GET', '/api/v2/gateways/pam-session-key');
    expect(second.rawPayload.equals(first.rawPayload)).toBe(true);
    const row = cp.context.db
      .prepare<[], { key_sealed: Buffer }>('SELECT key_sealed FROM gateway_pam_session_keys')
      .get();
    expect(row?.key_sealed.includes(first.rawPayload)).toBe(false);
    expect((await call(user.token, 'GET', '/api/v2/gateways/pam-session-key')).statusCode).toBe(
      403,
    );
    // An admin identity without a gateway of its own has no key.
    expect((await call(admin.token, 'GET', '/api/v2/gateways/pam-session-key')).statusCode).toBe(
      404,
    );
  });

  it('event batches by byte offset (the reference): replays keep the first, gaps are stored, octet-stream accepted', async () => {
    const sessionId = await openSession();
    const url = (offset: number) =>
      `/api/v1/pam/sessions/${sessionId}/event-batches?startOffset=${offset}`;
    const ev = (n: number) => ({
      timestamp: new Date(n).toISOString(),
      input: `SELECT ${n}`,
      output: 'SELECT 1',
    });
    // startOffset is where the batch's first record starts in the gateway's .enc file.
    const first = await call(gw.token, 'POST', url(0), [ev(0), ev(1)]);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ acknowledgedEvents: 2 });
    // The same batch again (crash before the gateway wrote its offset): stored once.
    expect((await call(gw.token, 'POST', url(0), [ev(0), ev(1)])).json()).toEqual({
      acknowledgedEvents: 2,
    });
    // A replay with other events does not overwrite what arrived first.
    expect((await call(gw.token, 'POST', url(0), [ev(9)])).json()).toEqual({
      acknowledgedEvents: 2,
    });
    // The next batch, as octet-stream like the reference gateway sends it, at the byte offset
    // after the first two records; 409 from here on was what made reference gateways retry
    // forever.
    const second = await call(gw.token, 'POST', url(190), JSON.stringify([ev(2), ev(3)]), {
      'content-type': 'application/octet-stream',
    });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual({ acknowledgedEvents: 4 });
    expect((await call(user.token, 'POST', url(400), [ev(4)])).statusCode).toBe(403);
    expect((await call(gw.token, 'POST', url(400), { not: 'an array' })).statusCode).toBe(400);
    const garbage = await call(gw.token, 'POST', url(400), 'not json', {
      'content-type': 'application/octet-stream',
    });
    expect(garbage.statusCode).toBe(400);
    expect(
      (await call(gw.token, 'POST', `/api/v1/pam/sessions/${sessionId}/event-batches`, []))
        .statusCode,
    ).toBe(400);

    // The gateway ends the session; late events still arrive afterwards.
    const ended = await call(gw.token, 'POST', `/api/v1/pam/sessions/${sessionId}/end`, {});
    expect(ended.json()).toMatchObject({ session: { id: sessionId, status: 'ended' } });
    const endedAt = ended.json<{ session: { endedAt: string } }>().session.endedAt;
    const again = await call(user.token, 'POST', `/api/v1/pam/sessions/${sessionId}/end`);
    expect(again.json()).toEqual({ session: { id: sessionId, status: 'ended', endedAt } });
    expect((await call(gw.token, 'POST', url(380), [ev(4)])).json()).toEqual({
      acknowledgedEvents: 5,
    });
    expect(
      (await call(other.token, 'POST', `/api/v1/pam/sessions/${sessionId}/end`, {})).statusCode,
    ).toBe(403);

    // bob is a member: not his session, not his recording.
    const refused = await call(other.token, 'GET', `/api/v1/pam/sessions/${sessionId}`);
    expect(refused.statusCode).toBe(403);
    expect(refused.json<{ message: string }>().message).toMatch(/admins, auditors and the session/);
    const shown = await call(user.token, 'GET', `/api/v1/pam/sessions/${sessionId}`);
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toMatchObject({
      session: { id: sessionId, status: 'ended', eventCount: 5, events: [0, 1, 2, 3, 4].map(ev) },
    });
    expect(
      (await call(other.token, 'GET', '/api/v1/pam/sessions/00000000-0000-4000-8000-000000000000'))
        .statusCode,
    ).toBe(404);
  });

  it('chunks exactly as the reference uploader makes them are stored complete; tampered ones are refused, gaps shown', async () => {
    const sessionId = await openSession();
    const credentials = await call(
      gw.token,
      'GET',
      `/api/v1/pam/sessions/${sessionId}/credentials`,
    );
    const { recording } = credentials.json<{
      recording: {
        sessionKey: string;
        uploadToken: string;
        storageBackend: string;
        projectId: string;
        sessionId: string;
      };
    }>();
    expect(recording).toMatchObject({ storageBackend: 'postgres', sessionId });
    const key = Buffer.from(recording.sessionKey, 'base64');
    expect(key).toHaveLength(32);
    // The same secrets on every fetch (a restarted gateway resumes its upload).
    expect(
      (await call(gw.token, 'GET', `/api/v1/pam/sessions/${sessionId}/credentials`)).json<{
        recording: unknown;
      }>().recording,
    ).toEqual(recording);

    // What the reference's chunk_uploader.go does, written out independently here:
    // AAD = SHA-256("projectId|sessionId|chunkIndex|storageBackend|v1"), AES-256-GCM with a
    // 12-byte IV, ciphertext ‖ tag as Go's gcm.Seal lays it out, base64 fields.
    const ev = (n: number) => ({
      timestamp: new Date(1_700_000_000_000 + n).toISOString(),
      input: `SELECT ${n}`,
      output: 'SELECT 1',
    });
    const seal = (chunkIndex: number, events: unknown[], forSession = sessionId, withKey = key) => {
      const aad = createHash('sha256')
        .update(`${recording.projectId}|${forSession}|${chunkIndex}|${recording.storageBackend}|v1`)
        .digest();
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', withKey, iv);
      cipher.setAAD(aad);
      const ciphertext = Buffer.concat([
        cipher.update(JSON.stringify(events)),
        cipher.final(),
        cipher.getAuthTag(),
      ]);
      return {
        chunkIndex,
        startElapsedMs: chunkIndex * 1000,
        endElapsedMs: chunkIndex * 1000 + 999,
        ciphertextSha256: createHash('sha256').update(ciphertext).digest('base64'),
        ciphertextBytes: ciphertext.length,
        iv: iv.toString('base64'),
        ciphertext: ciphertext.toString('base64'),
      };
    };
    const url = `/api/v1/pam/sessions/${sessionId}/chunks`;
    const token = { 'x-gateway-upload-token': recording.uploadToken };
    const post = (body: unknown, headers: Record<string, string> = token, who = gw.token) =>
      call(who, 'POST', url, body, headers);

    const chunk0 = seal(0, [ev(0), ev(1)]);
    const first = await post(chunk0);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ ok: true, storageBackend: 'postgres' });
    // A replay (the reference re-sends pending chunks after a restart): 200, stored once.
    expect((await post(chunk0)).statusCode).toBe(200);
    expect((await post(seal(1, [ev(2)]))).statusCode).toBe(200);

    // Refused, each naming why: no token, another token, chunk 2's bytes sent as chunk 3 (moved),
    // a chunk sealed for another session, a changed ciphertext, another session's key.
    const chunk2 = seal(2, [ev(3)]);
    const refusals: Array<[unknown, Record<string, string>, RegExp]> = [
      [chunk2, {}, /Missing x-gateway-upload-token header/],
      [chunk2, { 'x-gateway-upload-token': 'forged' }, /Invalid upload token/],
      [{ ...chunk2, chunkIndex: 3 }, token, /chunk 3 of session .* failed authentication/],
      [
        seal(2, [ev(3)], '00000000-0000-4000-8000-000000000000'),
        token,
        /chunk 2 .*failed authentication/,
      ],
      [seal(2, [ev(3)], sessionId, randomBytes(32)), token, /chunk 2 .*failed authentication/],
      [
        { ...chunk2, ciphertextSha256: createHash('sha256').update('x').digest('base64') },
        token,
        /does not match ciphertextSha256/,
      ],
    ];
    for (const [body, headers, message] of refusals) {
      const refused = await post(body, headers);
      expect(refused.statusCode).toBe(400);
      expect(refused.json<{ message: string }>().message).toMatch(message);
    }
    expect((await post(chunk2, token, user.token)).statusCode).toBe(403);
    expect((await post(chunk2)).statusCode).toBe(200);
    // Chunk 3 never arrives; chunk 4 does (stored, as the reference does) and the gap is shown.
    expect((await post(seal(4, [ev(6), ev(7)]))).statusCode).toBe(200);
    const presigned = await call(gw.token, 'POST', `${url}/presigned-put`, {
      chunkIndex: 5,
      ciphertextBytes: 10,
    });
    expect(presigned.statusCode).toBe(400);
    expect(presigned.json<{ message: string }>().message).toMatch(/POST ciphertext to \/chunks/);

    // The gateway ends the session saying it recorded 9 events: 6 arrived.
    expect(
      (
        await call(gw.token, 'POST', `/api/v1/pam/sessions/${sessionId}/end`, {
          recordedEvents: 9,
        })
      ).statusCode,
    ).toBe(200);
    // Only the session's gateway is believed about it.
    await call(user.token, 'POST', `/api/v1/pam/sessions/${sessionId}/end`, { recordedEvents: 6 });
    const shown = await call(user.token, 'GET', `/api/v1/pam/sessions/${sessionId}`);
    expect(shown.json()).toMatchObject({
      session: {
        eventCount: 6,
        events: [0, 1, 2, 3, 6, 7].map(ev),
        recordingProblems: [
          expect.stringMatching(/^chunk 3 is missing: /),
          'the gateway recorded 9 events but 6 arrived: the last 3 are missing',
        ],
      },
    });
    // Nothing of the key or token is stored in the clear.
    const rows = cp.context.db
      .prepare<[string], { key_sealed: Buffer; upload_token_sealed: Buffer }>(
        'SELECT key_sealed, upload_token_sealed FROM pam_session_recording_secrets WHERE session_id = ?',
      )
      .all(sessionId);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.key_sealed.includes(key)).toBe(false);
    expect(logs).not.toContain(recording.sessionKey);
    expect(logs).not.toContain(recording.uploadToken);
  });

  it('the gateway’s word that its recording was shortened is kept and shown to readers; nobody else’s', async () => {
    const sessionId = await openSession();
    const end = (who: string, body: unknown) =>
      call(who, 'POST', `/api/v1/pam/sessions/${sessionId}/end`, body);
    const ev = (n: number) => ({ timestamp: new Date(n).toISOString(), input: `SELECT ${n}` });
    const batch = await call(
      gw.token,
      'POST',
      `/api/v1/pam/sessions/${sessionId}/event-batches?startOffset=0`,
      [ev(0), ev(1)],
    );
    expect(batch.statusCode).toBe(200);
    // The session's user cannot plant a warning (nor could they hide one: they cannot clear it).
    expect((await end(user.token, { recordingProblem: 'forged by the user' })).statusCode).toBe(
      200,
    );
    // Bounded, like every field.
    const tooLong = await end(gw.token, { recordingProblem: 'x'.repeat(4097) });
    expect(tooLong.statusCode).toBe(400);
    expect((await end(gw.token, { recordingProblem: '' })).statusCode).toBe(400);
    const problem =
      'its local recording failed verification, so the upload stops after 2 events: ' +
      'recording record 2 (byte 190) failed authentication';
    expect((await end(gw.token, { recordingProblem: problem })).statusCode).toBe(200);
    // A later report does not replace the first (a replayed or confused gateway).
    expect((await end(gw.token, { recordingProblem: 'something else' })).statusCode).toBe(200);
    const shown = await call(admin.token, 'GET', `/api/v1/pam/sessions/${sessionId}`);
    expect(shown.json()).toMatchObject({
      session: {
        status: 'ended',
        events: [ev(0), ev(1)],
        recordingProblems: [`the gateway reported: ${problem}`],
      },
    });
    // Stored with the session: what a restarted control plane still shows.
    expect(
      cp.context.db
        .prepare<[string], { recording_problem: string }>(
          'SELECT recording_problem FROM pam_sessions WHERE id = ?',
        )
        .get(sessionId)?.recording_problem,
    ).toBe(problem);
  });

  it('never logs the password', () => {
    expect(logs).toContain('PAM session credentials handed to the gateway');
    expect(logs).not.toContain(PASSWORD);
  });

  it("writes each key once per log line (request logs carry fastify's bindings)", () => {
    const lines = logs.split('\n').filter((line) => line !== '');
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.flatMap(repeatedJsonKeys)).toEqual([]);
  });
});
