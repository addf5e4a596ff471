import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '@burrow/test-support';
import { FakeRelayGateway } from './support/fake-relay-gateway.ts';
import { registerFakeRelayGateway } from './support/org-setup.ts';
import { eventually, psqlAs } from './support/psql-login.ts';
import {
  auth,
  bootstrap,
  identityWithToken,
  startTestControlPlane,
  type Bootstrapped,
  type TestControlPlane,
} from './support/test-control-plane.ts';

/**
 * Password rotation of a PostgreSQL PAM account against a real PostgreSQL reached only through
 * the relay and gateway, judged by the real psql: the new password works and the old one is
 * refused, the credentials a PAM session gets afterwards are the new ones, an open connection is
 * not cut, a rotation the database refuses (or a gateway that is down) leaves the old password
 * working and says why, the schedule rotates on its own, and every attempt is audited.
 */
let cp: TestControlPlane;
let admin: Bootstrapped;
let fake: FakeRelayGateway;
let postgres: PostgresServer;
let gatewayIdentity: { identityId: string; token: string };
let member: { identityId: string; token: string };
let auditor: { identityId: string; token: string };
let accountId: string;

const INITIAL_PASSWORD = 'initial-password-1';

function call(method: 'GET' | 'POST' | 'PATCH', url: string, token: string, payload?: object) {
  return cp.app.inject({
    method,
    url,
    headers: auth(token),
    ...(payload === undefined ? {} : { payload }),
  });
}

interface Rotation {
  rotationEnabled: boolean;
  rotationIntervalSeconds: number | null;
  lastRotatedAt: string | null;
  rotationStatus: 'success' | 'failed' | null;
  lastRotationMessage: string | null;
  nextRotationAt: string | null;
}

async function rotate(token = admin.token): Promise<Rotation> {
  const res = await call('POST', `/api/v1/pam/accounts/${accountId}/rotate`, token);
  expect(res.statusCode).toBe(200);
  return res.json<{ rotation: Rotation }>().rotation;
}

/** The password the control plane holds for the account (what a PAM session's gateway is given). */
function storedPassword(): string {
  return cp.context.pam.accounts.secret(accountId) as string;
}

/** The password a new PAM session's gateway gets, through the real routes. */
async function passwordGivenToNewSession(): Promise<string> {
  const access = await call('POST', '/api/v1/pam/accounts/access', admin.token, {
    path: 'prod/orders-app',
    duration: '5m',
  });
  const { sessionId } = access.json<{ sessionId: string }>();
  const credentials = await call(
    'GET',
    `/api/v1/pam/sessions/${sessionId}/credentials`,
    gatewayIdentity.token,
  );
  expect(credentials.statusCode).toBe(200);
  return credentials.json<{ credentials: { password: string } }>().credentials.password;
}

const login = (password: string) =>
  psqlAs(postgres.port, 'orders', 'orders_app', password, 'SELECT count(*) FROM orders');

beforeAll(async () => {
  postgres = await startPostgres();
  await postgres.sql('CREATE DATABASE orders');
  await postgres.sql(
    [
      'CREATE TABLE orders (id int);',
      'INSERT INTO orders VALUES (1), (2), (3);',
      `CREATE ROLE orders_app WITH LOGIN PASSWORD '${INITIAL_PASSWORD}';`,
      'GRANT SELECT ON orders TO orders_app;',
    ].join('\n'),
    'orders',
  );
  cp = await startTestControlPlane();
  admin = await bootstrap(cp);
  fake = await FakeRelayGateway.start();
  const registered = await registerFakeRelayGateway(cp, admin, fake, 'vpc-gateway');
  gatewayIdentity = registered.gateway;
  member = await identityWithToken(cp, admin, 'alice', 'member');
  auditor = await identityWithToken(cp, admin, 'auditor', 'auditor');
  const resource = await call('POST', '/api/v1/pam/resources', admin.token, {
    name: 'orders',
    resourceType: 'postgres',
    gatewayId: registered.gatewayId,
    connectionDetails: { host: '127.0.0.1', port: postgres.port, database: 'orders' },
  });
  const account = await call('POST', '/api/v1/pam/accounts', admin.token, {
    resourceId: resource.json<{ resource: { id: string } }>().resource.id,
    name: 'orders-app',
    folderPath: 'prod',
    credentials: { username: 'orders_app', password: INITIAL_PASSWORD },
  });
  accountId = account.json<{ account: { id: string } }>().account.id;
});

afterAll(async () => {
  await cp?.close();
  await fake?.close();
  await postgres?.stop();
});

describe('rotating a PostgreSQL PAM account password', () => {
  it('changes it in the database and in the control plane; an open connection goes on', async () => {
    const open = new pg.Client({
      host: '127.0.0.1',
      port: postgres.port,
      database: 'orders',
      user: 'orders_app',
      password: INITIAL_PASSWORD,
    });
    await open.connect();
    try {
      const rotation = await rotate();
      expect(rotation).toMatchObject({ rotationStatus: 'success', lastRotationMessage: null });
      expect(rotation.lastRotatedAt).not.toBeNull();
      const rotated = storedPassword();
      expect(rotated).not.toBe(INITIAL_PASSWORD);
      expect(await login(rotated)).toMatchObject({ code: 0, stdout: '3' });
      const old = await login(INITIAL_PASSWORD);
      expect(old.code).not.toBe(0);
      expect(old.stderr).toMatch(/password authentication failed/);
      // A session opened from now on is given the new password.
      expect(await passwordGivenToNewSession()).toBe(rotated);
      // The connection opened before the rotation was not cut.
      expect((await open.query('SELECT count(*)::int AS n FROM orders')).rows[0]).toEqual({ n: 3 });
      // The database never saw the new password in clear: it stored the SCRAM verifier it was sent.
      expect(
        await postgres.sql(
          "SELECT rolpassword LIKE 'SCRAM-SHA-256$4096:%' FROM pg_authid WHERE rolname = 'orders_app'",
        ),
      ).toMatch(/^t/);
    } finally {
      await open.end();
    }
  });

  it('a rotation the database refuses keeps the old password working and says why', async () => {
    const before = storedPassword();
    await postgres.sql('ALTER ROLE orders_app SET default_transaction_read_only = on');
    try {
      const rotation = await rotate();
      expect(rotation.rotationStatus).toBe('failed');
      expect(rotation.lastRotationMessage).toMatch(
        /cannot execute ALTER ROLE in a read-only transaction.*the previous password still works/,
      );
      expect(storedPassword()).toBe(before);
      expect((await login(before)).code).toBe(0);
      expect(await passwordGivenToNewSession()).toBe(before);
    } finally {
      await postgres.sql('ALTER ROLE orders_app RESET default_transaction_read_only');
    }
  });

  it('a rotation while the gateway is down keeps the old password working and says why', async () => {
    const before = storedPassword();
    fake.setGatewayDown(true);
    try {
      const rotation = await rotate();
      expect(rotation.rotationStatus).toBe('failed');
      expect(rotation.lastRotationMessage).toMatch(/could not be reached/);
    } finally {
      fake.setGatewayDown(false);
    }
    expect(storedPassword()).toBe(before);
    expect((await login(before)).code).toBe(0);
  });

  it('rotates on its schedule, with the control plane as the actor', async () => {
    const before = storedPassword();
    const set = await call('PATCH', `/api/v1/pam/accounts/${accountId}/rotation`, admin.token, {
      rotationEnabled: true,
      rotationIntervalSeconds: 3600,
    });
    expect(set.statusCode).toBe(200);
    const scheduled = set.json<{ rotation: Rotation }>().rotation;
    expect(Date.parse(scheduled.nextRotationAt as string)).toBeGreaterThan(Date.now() + 3_500_000);
    // An hour passes: the schedule row says the rotation is due now.
    cp.context.db
      .prepare('UPDATE pam_account_rotations SET next_rotation_at = ? WHERE account_id = ?')
      .run(Date.now(), accountId);
    const after = await eventually('the scheduled rotation', async () =>
      storedPassword() !== before ? storedPassword() : undefined,
    );
    expect((await login(after)).code).toBe(0);
    const events = await call(
      'GET',
      `/api/v1/organization/audit-logs?resourceId=${accountId}&limit=1`,
      auditor.token,
    );
    expect(events.json<{ auditLogs: unknown[] }>().auditLogs[0]).toMatchObject({
      eventType: 'rotate-pam-account-password',
      actor: { type: 'platform' },
      resourceName: 'prod/orders-app',
      outcome: 'success',
    });
    const read = await call('GET', `/api/v1/pam/accounts/${accountId}/rotation`, auditor.token);
    const rotation = read.json<{ rotation: Rotation }>().rotation;
    expect(rotation).toMatchObject({
      rotationEnabled: true,
      rotationIntervalSeconds: 3600,
      rotationStatus: 'success',
    });
    expect(Date.parse(rotation.nextRotationAt as string)).toBeGreaterThan(Date.now() + 3_500_000);
    await call('PATCH', `/api/v1/pam/accounts/${accountId}/rotation`, admin.token, {
      rotationEnabled: false,
    });
  });

  it('audits every attempt with who, when and the outcome; only admins rotate', async () => {
    const res = await call(
      'GET',
      `/api/v1/organization/audit-logs?eventType=rotate-pam-account-password`,
      auditor.token,
    );
    const events = res.json<{
      auditLogs: {
        actor: { type: string; identityId: string | null };
        outcome: string;
        details: Record<string, unknown>;
      }[];
    }>().auditLogs;
    expect(events.map((e) => e.outcome)).toEqual(['success', 'failure', 'failure', 'success']);
    expect(events.slice(1).every((e) => e.actor.identityId === admin.identityId)).toBe(true);
    expect(res.body).not.toContain(storedPassword());
    expect(res.body).not.toContain(INITIAL_PASSWORD);
    for (const caller of [member, auditor, gatewayIdentity]) {
      const refused = await call('POST', `/api/v1/pam/accounts/${accountId}/rotate`, caller.token);
      expect(refused.statusCode).toBe(403);
    }
  });

  it('the database file and its write-ahead log hold the rotated password only sealed', () => {
    const password = Buffer.from(storedPassword());
    for (const file of ['burrow.sqlite', 'burrow.sqlite-wal']) {
      const where = `${cp.dataDir}/${file}`;
      if (fs.existsSync(where)) expect(fs.readFileSync(where).includes(password)).toBe(false);
    }
  });
});
