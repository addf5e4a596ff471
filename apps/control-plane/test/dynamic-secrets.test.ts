import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startPostgres, type PostgresServer } from '@burrow/test-support';
import { createControlPlane, type ControlPlane } from '../src/index.ts';
import { FakeRelayGateway } from './support/fake-relay-gateway.ts';
import { otherOrgIdentity, registerFakeRelayGateway } from './support/org-setup.ts';
import { eventually, psqlAs } from './support/psql-login.ts';
import {
  auth,
  bootstrap,
  identityWithToken,
  RELAY_AUTH_SECRET,
  type Bootstrapped,
} from './support/test-control-plane.ts';

/**
 * Dynamic secrets against a real PostgreSQL, reached only through the relay and gateway (the
 * fake pair serves the control plane's certificates and pipes infisical-tcp-proxy to the target
 * named in the certificate), judged by the real psql: what a lease may do, renewal's VALID UNTIL,
 * revocation, expiry (also across a control-plane restart), a gateway that is down while a lease
 * must be revoked, statements refused at save time, and who may lease what.
 */
let dataDir: string;
let cp: ControlPlane;
let admin: Bootstrapped;
let fake: FakeRelayGateway;
let pg: PostgresServer;
let gatewayId: string;
let member: { identityId: string; token: string };
let otherMember: { identityId: string; token: string };
let auditor: { identityId: string; token: string };
let gatewayIdentity: { identityId: string; token: string };
let relayIdentity: { identityId: string; token: string };

const ADMIN_PASSWORD = 'vault-admin-password-1';
const CREATION = [
  `CREATE ROLE "{{username}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
  'GRANT SELECT ON orders TO "{{username}}";',
].join('\n');
const REVOCATION = [
  `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{{username}}';`,
  'REVOKE ALL ON orders FROM "{{username}}";',
  'DROP ROLE IF EXISTS "{{username}}";',
].join('\n');

async function openControlPlane(): Promise<ControlPlane> {
  return createControlPlane({ dataDir, relayAuthSecret: RELAY_AUTH_SECRET, logLevel: 'silent' });
}

function call(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  token: string,
  payload?: object,
) {
  return cp.app.inject({
    method,
    url,
    headers: auth(token),
    ...(payload === undefined ? {} : { payload }),
  });
}

function secretBody(
  name: string,
  inputs: Record<string, unknown> = {},
  ttl: Record<string, unknown> = {},
) {
  return {
    name,
    provider: {
      type: 'sql-database',
      inputs: {
        client: 'postgres',
        gatewayId,
        host: '127.0.0.1',
        port: pg.port,
        database: 'orders',
        username: 'vault_admin',
        password: ADMIN_PASSWORD,
        creationStatement: CREATION,
        revocationStatement: REVOCATION,
        ...inputs,
      },
    },
    defaultTTL: '1h',
    maxTTL: '2h',
    ...ttl,
  };
}

interface LeaseAnswer {
  lease: {
    id: string;
    status: string;
    statusDetails: string | null;
    expireAt: string;
    externalEntityId: string;
    identityId: string;
  };
  data: {
    DB_USERNAME: string;
    DB_PASSWORD: string;
    DB_HOST: string;
    DB_PORT: number;
    DB_NAME: string;
  };
}

async function lease(name: string, token = admin.token, ttl?: string): Promise<LeaseAnswer> {
  const res = await call('POST', '/api/v1/dynamic-secrets/leases', token, {
    dynamicSecretName: name,
    ...(ttl ? { ttl } : {}),
  });
  expect(res.json()).toHaveProperty('lease');
  expect(res.statusCode).toBe(200);
  return res.json<LeaseAnswer>();
}

async function roleExists(role: string): Promise<boolean> {
  return (
    (await pg.sql(`SELECT count(*) FROM pg_roles WHERE rolname = '${role}'`, 'orders')).trim() ===
    '1'
  );
}

async function validUntil(role: string): Promise<number> {
  const text = await pg.sql(
    `SELECT extract(epoch FROM rolvaliduntil) FROM pg_roles WHERE rolname = '${role}'`,
    'orders',
  );
  return Math.round(Number(text.trim()) * 1000);
}

async function leaseStatus(
  leaseId: string,
): Promise<{ status: string; statusDetails: string | null }> {
  const res = await call('GET', `/api/v1/dynamic-secrets/leases/${leaseId}`, admin.token);
  return res.json<{ lease: { status: string; statusDetails: string | null } }>().lease;
}

beforeAll(async () => {
  pg = await startPostgres();
  await pg.sql('CREATE DATABASE orders');
  await pg.sql(
    [
      'CREATE TABLE orders (id int PRIMARY KEY, item text);',
      "INSERT INTO orders VALUES (1, 'anvil'), (2, 'rocket skates');",
      'CREATE TABLE payroll (name text, salary int);',
      "INSERT INTO payroll VALUES ('coyote', 1);",
      `CREATE ROLE vault_admin WITH LOGIN CREATEROLE PASSWORD '${ADMIN_PASSWORD}';`,
      'GRANT SELECT, INSERT ON orders TO vault_admin WITH GRANT OPTION;',
      'GRANT pg_signal_backend TO vault_admin;',
    ].join('\n'),
    'orders',
  );
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-dynsec-test-'));
  cp = await openControlPlane();
  admin = await bootstrap(cp);
  fake = await FakeRelayGateway.start();
  ({
    relay: relayIdentity,
    gateway: gatewayIdentity,
    gatewayId,
  } = await registerFakeRelayGateway(cp, admin, fake, 'vpc-gateway'));
  member = await identityWithToken(cp, admin, 'order-service', 'member');
  otherMember = await identityWithToken(cp, admin, 'billing-service', 'member');
  auditor = await identityWithToken(cp, admin, 'auditor', 'auditor');
  const created = await call(
    'POST',
    '/api/v1/dynamic-secrets',
    admin.token,
    secretBody('orders-ro'),
  );
  expect(created.json()).toHaveProperty('dynamicSecret');
});

afterAll(async () => {
  await cp?.app.close();
  await fake?.close();
  await pg?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('saving a dynamic secret tests its statements through the gateway', () => {
  it('answers the configuration without the admin password, with its defaults filled in', async () => {
    const res = await call('GET', '/api/v1/dynamic-secrets/orders-ro', admin.token);
    expect(res.statusCode).toBe(200);
    const { dynamicSecret } = res.json<{
      dynamicSecret: Record<string, unknown> & { inputs: Record<string, unknown> };
    }>();
    expect(dynamicSecret).toMatchObject({
      name: 'orders-ro',
      defaultTTL: '1h',
      maxTTL: '2h',
      type: 'sql-database',
    });
    expect(dynamicSecret.inputs).toMatchObject({
      gatewayId,
      username: 'vault_admin',
      database: 'orders',
    });
    expect(dynamicSecret.inputs.renewStatement).toContain('VALID UNTIL');
    expect(res.body).not.toContain(ADMIN_PASSWORD);
    // Nothing was left behind by the check (it ran in a transaction that was rolled back).
    expect(
      (await pg.sql("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'burrow\\_%'")).trim(),
    ).toBe('0');
  });

  it.each([
    [
      'a syntax error',
      { creationStatement: `CREAT ROLE "{{username}}" LOGIN PASSWORD '{{password}}';` },
      /creationStatement failed: the database refused: syntax error at or near "CREAT"/,
    ],
    [
      'a missing {{username}}',
      { revocationStatement: 'DROP ROLE IF EXISTS somebody;' },
      /revocationStatement must contain \{\{username\}\}/,
    ],
    [
      'an unknown placeholder',
      { creationStatement: `CREATE ROLE "{{username}}" PASSWORD '{{pasword}}';` },
      /unknown placeholder \{\{pasword\}\}/,
    ],
    [
      'a table that does not exist',
      {
        creationStatement: `CREATE ROLE "{{username}}" LOGIN PASSWORD '{{password}}'; GRANT SELECT ON invoices TO "{{username}}";`,
      },
      /relation "invoices" does not exist/,
    ],
    [
      'a revocation that leaves the role',
      { revocationStatement: 'REVOKE ALL ON orders FROM "{{username}}";' },
      /still exists/,
    ],
    [
      'wrong admin credentials',
      { password: 'not-the-password' },
      /connecting with the admin credentials failed: the database refused: password authentication failed/,
    ],
    ['a database nobody listens on', { port: 1 }, /connecting with the admin credentials failed/],
  ])('refuses %s with a 400 that says why, and saves nothing', async (_, inputs, message) => {
    const res = await call(
      'POST',
      '/api/v1/dynamic-secrets',
      admin.token,
      secretBody('broken', inputs),
    );
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toMatch(message);
    expect(res.body).not.toContain(ADMIN_PASSWORD);
    const after = await call('GET', '/api/v1/dynamic-secrets/broken', admin.token);
    expect(after.statusCode).toBe(404);
  });

  it("cuts a database's error text and replaces its control characters (a hostile database)", async () => {
    const res = await call(
      'POST',
      '/api/v1/dynamic-secrets',
      admin.token,
      secretBody('loud', {
        creationStatement: `CREATE ROLE "{{username}}" LOGIN PASSWORD '{{password}}'; DO $$ BEGIN RAISE EXCEPTION '%', E'\\x1b[31mred' || repeat('x', 5000); END $$;`,
      }),
    );
    expect(res.statusCode).toBe(400);
    const { message } = res.json<{ message: string }>();
    expect(message).toMatch(/the database refused: {2}\[31mredxxx/);
    expect(message).not.toContain('\u001b');
    expect(message.length).toBeLessThan(700);
  });

  it('refuses a defaultTTL longer than the maxTTL and an unreadable duration', async () => {
    const longer = await call(
      'POST',
      '/api/v1/dynamic-secrets',
      admin.token,
      secretBody('x', {}, { defaultTTL: '3h' }),
    );
    expect(longer.statusCode).toBe(400);
    expect(longer.json<{ message: string }>().message).toMatch(
      /defaultTTL must not be longer than maxTTL/,
    );
    const unreadable = await call(
      'POST',
      '/api/v1/dynamic-secrets',
      admin.token,
      secretBody('x', {}, { defaultTTL: 'soon' }),
    );
    expect(unreadable.statusCode).toBe(400);
  });

  it('refuses a second secret of the same name (409)', async () => {
    const res = await call('POST', '/api/v1/dynamic-secrets', admin.token, secretBody('orders-ro'));
    expect(res.statusCode).toBe(409);
  });
});

describe('a lease', () => {
  it('logs in with psql and can do what the creation statement granted, nothing more', async () => {
    const { lease: created, data } = await lease('orders-ro');
    expect(data).toMatchObject({ DB_HOST: '127.0.0.1', DB_PORT: pg.port, DB_NAME: 'orders' });
    expect(created.externalEntityId).toBe(data.DB_USERNAME);
    expect(created.status).toBe('active');
    const as = (sql: string) => psqlAs(pg.port, 'orders', data.DB_USERNAME, data.DB_PASSWORD, sql);
    const read = await as('SELECT item FROM orders ORDER BY id');
    expect(read).toMatchObject({ code: 0, stdout: 'anvil\nrocket skates' });
    const insert = await as("INSERT INTO orders VALUES (3, 'giant magnet')");
    expect(insert.code).not.toBe(0);
    expect(insert.stderr).toMatch(/permission denied for table orders/);
    const payroll = await as('SELECT * FROM payroll');
    expect(payroll.code).not.toBe(0);
    expect(payroll.stderr).toMatch(/permission denied for table payroll/);
    const wrong = await psqlAs(pg.port, 'orders', data.DB_USERNAME, 'wrong', 'SELECT 1');
    expect(wrong.stderr).toMatch(/password authentication failed/);
    // VALID UNTIL is the lease's expiry (the password stops working then even without us).
    expect(await validUntil(data.DB_USERNAME)).toBe(Date.parse(created.expireAt));
    // The password is answered once: neither the lease nor the list shows it again.
    const again = await call('GET', `/api/v1/dynamic-secrets/leases/${created.id}`, admin.token);
    expect(again.body).not.toContain(data.DB_PASSWORD);
  });

  it('renew extends VALID UNTIL by the ttl, and never past createdAt + maxTTL', async () => {
    const { lease: created, data } = await lease('orders-ro', admin.token, '30m');
    const before = Date.parse(created.expireAt);
    const renewed = await call(
      'POST',
      `/api/v1/dynamic-secrets/leases/${created.id}/renew`,
      admin.token,
      { ttl: '1h' },
    );
    expect(renewed.statusCode).toBe(200);
    const after = Date.parse(renewed.json<{ lease: { expireAt: string } }>().lease.expireAt);
    expect(after).toBe(before + 3_600_000);
    expect(await validUntil(data.DB_USERNAME)).toBe(after);
    const tooFar = await call(
      'POST',
      `/api/v1/dynamic-secrets/leases/${created.id}/renew`,
      admin.token,
      { ttl: '1h' },
    );
    expect(tooFar.statusCode).toBe(400);
    expect(tooFar.json<{ message: string }>().message).toMatch(/maxTTL/);
    expect(await validUntil(data.DB_USERNAME)).toBe(after);
  });

  it('refuses a ttl longer than the maxTTL', async () => {
    const res = await call('POST', '/api/v1/dynamic-secrets/leases', admin.token, {
      dynamicSecretName: 'orders-ro',
      ttl: '3h',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toMatch(
      /longer than the dynamic secret's maxTTL 2h/,
    );
  });

  it('revoke drops the role: psql is refused, the lease is revoked and leaves the list', async () => {
    const { lease: created, data } = await lease('orders-ro');
    expect(
      (await psqlAs(pg.port, 'orders', data.DB_USERNAME, data.DB_PASSWORD, 'SELECT 1')).code,
    ).toBe(0);
    const res = await call('DELETE', `/api/v1/dynamic-secrets/leases/${created.id}`, admin.token);
    expect(res.statusCode).toBe(200);
    expect(res.json<{ lease: { status: string; revokedAt: string | null } }>().lease).toMatchObject(
      { status: 'revoked' },
    );
    expect(await roleExists(data.DB_USERNAME)).toBe(false);
    const login = await psqlAs(pg.port, 'orders', data.DB_USERNAME, data.DB_PASSWORD, 'SELECT 1');
    expect(login.code).not.toBe(0);
    expect(login.stderr).toMatch(/password authentication failed|does not exist/);
    const list = await call('GET', '/api/v1/dynamic-secrets/orders-ro/leases', admin.token);
    expect(list.json<{ leases: { id: string }[] }>().leases.map((l) => l.id)).not.toContain(
      created.id,
    );
  });

  it('expires: the control plane drops the role within seconds of the TTL on its own', async () => {
    const { lease: created, data } = await lease('orders-ro', admin.token, '2s');
    expect(await roleExists(data.DB_USERNAME)).toBe(true);
    await eventually('the expired lease to be revoked', async () =>
      (await leaseStatus(created.id)).status === 'revoked' ? true : undefined,
    );
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(created.expireAt));
    expect(await roleExists(data.DB_USERNAME)).toBe(false);
    const events = await call(
      'GET',
      `/api/v1/organization/audit-logs?resourceId=${created.id}`,
      auditor.token,
    );
    const expiry = events.json<{
      auditLogs: { eventType: string; actor: { type: string }; outcome: string }[];
    }>().auditLogs[0];
    expect(expiry).toMatchObject({
      eventType: 'expire-dynamic-secret-lease',
      actor: { type: 'platform' },
      outcome: 'success',
    });
  });

  it('expires also when the control plane was stopped meanwhile (the schedule is in its database)', async () => {
    const { lease: created, data } = await lease('orders-ro', admin.token, '3s');
    await cp.app.close();
    // Down past the expiry: nobody dropped the role.
    await eventually('the lease to pass its expiry', async () =>
      Date.now() > Date.parse(created.expireAt) + 500 ? true : undefined,
    );
    expect(await roleExists(data.DB_USERNAME)).toBe(true);
    cp = await openControlPlane();
    // The role is dropped first and the lease marked revoked after: wait for the mark.
    await eventually('the restarted control plane to revoke the lease', async () =>
      (await leaseStatus(created.id)).status === 'revoked' ? true : undefined,
    );
    expect(await roleExists(data.DB_USERNAME)).toBe(false);
  });

  it('a lease asked for while the gateway is down is refused and leaves nothing behind', async () => {
    const before = await call('GET', '/api/v1/dynamic-secrets/orders-ro/leases', admin.token);
    fake.setGatewayDown(true);
    try {
      const res = await call('POST', '/api/v1/dynamic-secrets/leases', admin.token, {
        dynamicSecretName: 'orders-ro',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json<{ message: string }>().message).toMatch(
        /No lease: the role could not be created: the gateway could not be reached/,
      );
    } finally {
      fake.setGatewayDown(false);
    }
    const after = await call('GET', '/api/v1/dynamic-secrets/orders-ro/leases', admin.token);
    expect(after.json<{ leases: unknown[] }>().leases).toEqual(
      before.json<{ leases: unknown[] }>().leases,
    );
  });

  it('shows "revocation pending" while the gateway is down, and is revoked once it is back', async () => {
    const { lease: created, data } = await lease('orders-ro');
    fake.setGatewayDown(true);
    try {
      const res = await call(
        'DELETE',
        `/api/v1/dynamic-secrets/leases/${created.id}`,
        member.token,
      );
      expect(res.statusCode).toBe(404); // not the member's lease
      const revoke = await call(
        'DELETE',
        `/api/v1/dynamic-secrets/leases/${created.id}`,
        admin.token,
      );
      expect(revoke.statusCode).toBe(200);
      const pending = revoke.json<{
        lease: { status: string; statusDetails: string; nextRevocationAttemptAt: string | null };
      }>().lease;
      expect(pending.status).toBe('revocation pending');
      expect(pending.statusDetails).toMatch(/could not be reached/);
      expect(pending.nextRevocationAttemptAt).not.toBeNull();
      expect(await roleExists(data.DB_USERNAME)).toBe(true);
      // Retried (with backoff) while down: still pending, attempts counted.
      await eventually('a second failed attempt', async () => {
        const res = await call('GET', `/api/v1/dynamic-secrets/leases/${created.id}`, admin.token);
        const lease = res.json<{ lease: { status: string; revocationAttempts: number } }>().lease;
        return lease.revocationAttempts >= 2 ? lease : undefined;
      }).then((lease) => expect(lease.status).toBe('revocation pending'));
    } finally {
      fake.setGatewayDown(false);
    }
    await eventually('the pending revocation to succeed', async () =>
      (await leaseStatus(created.id)).status === 'revoked' ? true : undefined,
    );
    expect(await roleExists(data.DB_USERNAME)).toBe(false);
  });
});

describe('who may lease which secret', () => {
  it('a member without a grant is refused, with the same answer as for a secret that does not exist', async () => {
    const granted = await call('POST', '/api/v1/dynamic-secrets/leases', member.token, {
      dynamicSecretName: 'orders-ro',
    });
    const missing = await call('POST', '/api/v1/dynamic-secrets/leases', member.token, {
      dynamicSecretName: 'nope',
    });
    expect(granted.statusCode).toBe(403);
    expect(missing.statusCode).toBe(403);
    expect(granted.json<{ message: string }>().message.replaceAll('orders-ro', 'X')).toBe(
      missing.json<{ message: string }>().message.replaceAll('nope', 'X'),
    );
    const list = await call('GET', '/api/v1/dynamic-secrets', member.token);
    expect(list.json<{ dynamicSecrets: unknown[] }>().dynamicSecrets).toEqual([]);
  });

  it('a member with a grant leases; another member cannot see, renew or revoke that lease', async () => {
    const grant = await call('POST', '/api/v1/dynamic-secrets/orders-ro/grants', admin.token, {
      identityId: member.identityId,
    });
    expect(grant.statusCode).toBe(200);
    const { lease: created, data } = await lease('orders-ro', member.token, '10m');
    expect(created.identityId).toBe(member.identityId);
    expect(
      (
        await psqlAs(
          pg.port,
          'orders',
          data.DB_USERNAME,
          data.DB_PASSWORD,
          'SELECT count(*) FROM orders',
        )
      ).stdout,
    ).toBe('2');
    for (const [method, url] of [
      ['GET', `/api/v1/dynamic-secrets/leases/${created.id}`],
      ['POST', `/api/v1/dynamic-secrets/leases/${created.id}/renew`],
      ['DELETE', `/api/v1/dynamic-secrets/leases/${created.id}`],
    ] as const) {
      const res = await call(method, url, otherMember.token, method === 'POST' ? {} : undefined);
      expect(res.statusCode).toBe(404);
    }
    const others = await call('GET', '/api/v1/dynamic-secrets/orders-ro/leases', member.token);
    const ownIds = others
      .json<{ leases: { identityId: string }[] }>()
      .leases.map((l) => l.identityId);
    expect(new Set(ownIds)).toEqual(new Set([member.identityId]));
    // Its grant taken back, the member can no longer renew (it may still revoke its own lease).
    const grantId = grant.json<{ grant: { id: string } }>().grant.id;
    await call('DELETE', `/api/v1/dynamic-secrets/orders-ro/grants/${grantId}`, admin.token);
    const renew = await call(
      'POST',
      `/api/v1/dynamic-secrets/leases/${created.id}/renew`,
      member.token,
      {},
    );
    expect(renew.statusCode).toBe(403);
    const revoke = await call(
      'DELETE',
      `/api/v1/dynamic-secrets/leases/${created.id}`,
      member.token,
    );
    expect(revoke.json<{ lease: { status: string } }>().lease.status).toBe('revoked');
  });

  it('auditors, relays and gateways lease nothing; gateways and relays read nothing', async () => {
    for (const identity of [auditor, gatewayIdentity, relayIdentity]) {
      const res = await call('POST', '/api/v1/dynamic-secrets/leases', identity.token, {
        dynamicSecretName: 'orders-ro',
      });
      expect(res.statusCode).toBe(403);
    }
    for (const identity of [gatewayIdentity, relayIdentity]) {
      expect((await call('GET', '/api/v1/dynamic-secrets', identity.token)).statusCode).toBe(403);
      expect(
        (await call('GET', '/api/v1/organization/audit-logs', identity.token)).statusCode,
      ).toBe(403);
    }
    const granted = await call('POST', '/api/v1/dynamic-secrets/orders-ro/grants', admin.token, {
      identityId: gatewayIdentity.identityId,
    });
    expect(granted.statusCode).toBe(400);
  });

  it("another organization's admin finds neither the secret nor its leases", async () => {
    const { lease: created } = await lease('orders-ro', admin.token, '10m');
    // The instance is bootstrapped once; a second organization comes from the stores.
    const otherAdmin = otherOrgIdentity(cp, 'admin').token;
    expect(
      (
        await call('POST', '/api/v1/dynamic-secrets/leases', otherAdmin, {
          dynamicSecretName: 'orders-ro',
        })
      ).statusCode,
    ).toBe(404);
    expect(
      (await call('GET', `/api/v1/dynamic-secrets/leases/${created.id}`, otherAdmin)).statusCode,
    ).toBe(404);
    expect(
      (await call('DELETE', `/api/v1/dynamic-secrets/leases/${created.id}`, otherAdmin)).statusCode,
    ).toBe(404);
    expect(
      (await call('GET', '/api/v1/dynamic-secrets', otherAdmin)).json<{
        dynamicSecrets: unknown[];
      }>().dynamicSecrets,
    ).toEqual([]);
    const events = await call('GET', '/api/v1/organization/audit-logs', otherAdmin);
    expect(events.json<{ auditLogs: unknown[] }>().auditLogs).toEqual([]);
    await call('DELETE', `/api/v1/dynamic-secrets/leases/${created.id}`, admin.token);
  });

  it('deleting an identity ends its leases: the schedule drops their roles', async () => {
    const leaver = await identityWithToken(cp, admin, 'contractor', 'member');
    await call('POST', '/api/v1/dynamic-secrets/orders-ro/grants', admin.token, {
      identityId: leaver.identityId,
    });
    const { lease: created, data } = await lease('orders-ro', leaver.token, '1h');
    expect(await roleExists(data.DB_USERNAME)).toBe(true);
    const deleted = await call('DELETE', `/api/v1/identities/${leaver.identityId}`, admin.token);
    expect(deleted.statusCode).toBe(200);
    // The role is dropped first and the lease marked revoked after: wait for the mark.
    await eventually("the departed identity's lease to be revoked", async () =>
      (await leaseStatus(created.id)).status === 'revoked' ? true : undefined,
    );
    expect(await roleExists(data.DB_USERNAME)).toBe(false);
  });

  it('a secret with live leases cannot be deleted', async () => {
    const { lease: created } = await lease('orders-ro', admin.token, '10m');
    expect(
      (await call('DELETE', '/api/v1/dynamic-secrets/orders-ro', admin.token)).statusCode,
    ).toBe(409);
    await call('DELETE', `/api/v1/dynamic-secrets/leases/${created.id}`, admin.token);
  });
});

describe('the audit log', () => {
  it('records who leased, renewed and revoked which secret, when, with the outcome; admins and auditors read it, members do not', async () => {
    const { lease: created } = await lease('orders-ro', admin.token, '10m');
    await call('POST', `/api/v1/dynamic-secrets/leases/${created.id}/renew`, admin.token, {
      ttl: '5m',
    });
    await call('DELETE', `/api/v1/dynamic-secrets/leases/${created.id}`, admin.token);
    for (const reader of [admin, auditor]) {
      const res = await call(
        'GET',
        `/api/v1/organization/audit-logs?resourceId=${created.id}`,
        reader.token,
      );
      expect(res.statusCode).toBe(200);
      const events = res.json<{
        auditLogs: {
          eventType: string;
          actor: { identityId: string };
          resourceName: string;
          outcome: string;
          createdAt: string;
          details: Record<string, unknown>;
        }[];
      }>().auditLogs;
      expect(events.map((e) => e.eventType)).toEqual([
        'revoke-dynamic-secret-lease',
        'renew-dynamic-secret-lease',
        'create-dynamic-secret-lease',
      ]);
      for (const event of events) {
        expect(event).toMatchObject({
          actor: { identityId: admin.identityId },
          resourceName: 'orders-ro',
          outcome: 'success',
        });
        expect(Number.isNaN(Date.parse(event.createdAt))).toBe(false);
        expect(event.details.role).toBe(created.externalEntityId);
      }
      expect(res.body).not.toMatch(/password/i);
    }
    expect((await call('GET', '/api/v1/organization/audit-logs', member.token)).statusCode).toBe(
      403,
    );
  });

  it('records a refused lease as a failure', async () => {
    await pg.sql('ALTER ROLE vault_admin NOCREATEROLE');
    try {
      const res = await call('POST', '/api/v1/dynamic-secrets/leases', admin.token, {
        dynamicSecretName: 'orders-ro',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json<{ message: string }>().message).toMatch(
        /No lease: the role could not be created: the database refused: permission denied to create role/,
      );
      const events = await call(
        'GET',
        '/api/v1/organization/audit-logs?eventType=create-dynamic-secret-lease&limit=1',
        auditor.token,
      );
      const [event] = events.json<{
        auditLogs: { outcome: string; details: { reason: string; role: string } }[];
      }>().auditLogs;
      expect(event?.outcome).toBe('failure');
      // Nothing was left: the implicit transaction of the creation statement rolled back.
      expect(await roleExists(event?.details.role as string)).toBe(false);
    } finally {
      await pg.sql('ALTER ROLE vault_admin CREATEROLE');
    }
  });
});
