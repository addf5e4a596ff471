/**
 * Dynamic secrets and password rotation end to end, from the real binaries on loopback: control
 * plane, relay and gateway (LocalStack), the `burrow` CLI, a real PostgreSQL (initdb/pg_ctl) that
 * only the gateway's side reaches for the control plane, and the real psql as the judge.
 *
 * The story of the README: Acme's orders database; the Order Processing Service (a member with a
 * grant) leases a short-lived role with `burrow dynamic-secrets lease create … --format env`, uses
 * it with psql, renews and revokes it; the control plane drops expired roles on its own, also
 * across its own restart, and retries a revocation while the gateway is down. The orders_app PAM
 * account's password is rotated through the gateway while a PAM session stays open.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { PlatformError, routes, type RouteBody } from '@burrow/platform-api';
import {
  LocalStack,
  runBurrow,
  sleep,
  startBurrow,
  type BurrowResult,
  type ManagedProcess,
} from '../src/index.ts';
import { createOrdersDatabase, createPamMember, loginWithBurrow } from './support/pam-setup.ts';
import { findPsql, startPostgres, type PostgresServer } from '@burrow/test-support';

const ADMIN_PASSWORD = `vault-${crypto.randomBytes(12).toString('hex')}`;
const APP_PASSWORD = `app-${crypto.randomBytes(12).toString('hex')}`;

const testDir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-dynsec-stack-'));
const configDir = path.join(testDir, 'burrow-config');

let postgres: PostgresServer;
let stack: LocalStack;
let service: { identityId: string; clientId: string; clientSecret: string };
let accountId: string;
let gatewayId: string;
const transcripts: string[] = [];
const accessProcesses: ManagedProcess[] = [];

/** The README's `orders-ro` configuration, under `name`; `inputs` replaces some of its fields. */
function ordersRo(
  name = 'orders-ro',
  inputs: Record<string, string> = {},
): RouteBody<typeof routes.createDynamicSecret> {
  return {
    name,
    provider: {
      type: 'sql-database',
      inputs: {
        client: 'postgres',
        gatewayId,
        host: '127.0.0.1',
        port: postgres.port,
        database: 'orders',
        username: 'vault_admin',
        password: ADMIN_PASSWORD,
        creationStatement: `CREATE ROLE "{{username}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'; GRANT SELECT ON orders TO "{{username}}";`,
        revocationStatement: `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{{username}}'; REVOKE ALL ON orders FROM "{{username}}"; DROP ROLE IF EXISTS "{{username}}";`,
        ...inputs,
      },
    },
    defaultTTL: '1h',
    maxTTL: '24h',
  };
}

beforeAll(async () => {
  postgres = await startPostgres();
  await postgres.sql('CREATE DATABASE orders');
  await postgres.sql(
    [
      "CREATE TABLE orders (id int PRIMARY KEY, item text); INSERT INTO orders VALUES (1, 'anvil');",
      'CREATE TABLE payroll (name text, salary int);',
      `CREATE ROLE vault_admin WITH LOGIN CREATEROLE PASSWORD '${ADMIN_PASSWORD}';`,
      'GRANT SELECT ON orders TO vault_admin WITH GRANT OPTION; GRANT pg_signal_backend TO vault_admin;',
      `CREATE ROLE orders_app WITH LOGIN PASSWORD '${APP_PASSWORD}'; GRANT SELECT ON orders TO orders_app;`,
    ].join('\n'),
    'orders',
  );
  stack = await LocalStack.start();
  await stack.startRelay('relay-a');
  await stack.startGateway('vpc-gateway', 'relay-a');
  gatewayId = (await stack.waitForHealthyGateway('vpc-gateway')).id;

  await stack.api.call(routes.createDynamicSecret, { body: ordersRo() });
  const [account] = await createOrdersDatabase(stack, gatewayId, postgres.port, [
    { name: 'orders-app', username: 'orders_app', password: APP_PASSWORD },
  ]);
  accountId = (account as { id: string }).id;
  // The Order Processing Service: a member with a grant on the secret and on prod/ PAM accounts.
  service = await createPamMember(stack, 'order-service', ['prod/']);
  await stack.api.call(routes.createDynamicSecretGrant, {
    params: { name: 'orders-ro' },
    body: { identityId: service.identityId },
  });
  const login = await loginWithBurrow(stack, service, configDir);
  transcripts.push(login.stdout, login.stderr);
}, 180_000);

afterAll(async () => {
  await Promise.all(accessProcesses.map((p) => p.stop('SIGKILL')));
  await stack?.stop();
  await postgres?.stop();
  fs.rmSync(testDir, { recursive: true, force: true });
});

async function burrow(args: string[], env: Record<string, string> = {}): Promise<BurrowResult> {
  const result = await runBurrow(args, { configDir, env, timeoutMs: 120_000 });
  transcripts.push(result.stdout, result.stderr);
  return result;
}

/** Real psql over TCP with `env` (PGUSER, PGPASSWORD, …), never prompting. */
function psql(
  env: Record<string, string>,
  sql: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      findPsql() as string,
      ['-w', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql],
      {
        env: {
          PATH: process.env.PATH,
          HOME: testDir,
          PGCONNECT_TIMEOUT: '20',
          LC_ALL: 'C',
          ...env,
        },
        timeout: 60_000,
        encoding: 'utf8',
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout: stdout.trim(), stderr }),
    );
  });
}

/** Reads `--format env` output the way `eval` would (every line NAME=value, plus one export). */
function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.trim().split('\n')) {
    if (line.startsWith('export ')) continue;
    const match = /^([A-Z_]+)=(.*)$/.exec(line);
    if (!match) throw new Error(`not an assignment: ${line}`);
    const raw = match[2] as string;
    env[match[1] as string] = raw.startsWith("'") ? raw.slice(1, -1).replace(/'\\''/g, "'") : raw;
  }
  return env;
}

async function leaseEnv(ttl: string): Promise<Record<string, string>> {
  return parseEnv(await leaseEnvText(ttl));
}

async function leaseEnvText(ttl: string): Promise<string> {
  const result = await burrow([
    'dynamic-secrets',
    'lease',
    'create',
    'orders-ro',
    '--ttl',
    ttl,
    '--format',
    'env',
  ]);
  expect(result).toMatchObject({ code: 0, stderr: '' });
  return result.stdout;
}

async function roleExists(role: string): Promise<boolean> {
  return (
    (await postgres.sql(`SELECT count(*) FROM pg_roles WHERE rolname = '${role}'`)).trim() === '1'
  );
}

async function validUntil(role: string): Promise<number> {
  const text = await postgres.sql(
    `SELECT extract(epoch FROM rolvaliduntil) FROM pg_roles WHERE rolname = '${role}'`,
  );
  return Math.round(Number(text.trim()) * 1000);
}

async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

describe('saving a dynamic secret checks its statements through the gateway', () => {
  /** The 400 a save gets, with the control plane's reason; fails when the save succeeds. */
  async function refusal(save: Promise<unknown>): Promise<{ status?: number; reason?: string }> {
    try {
      await save;
    } catch (error) {
      if (!(error instanceof PlatformError)) throw error;
      return { status: error.status, reason: error.serverMessage };
    }
    throw new Error('the control plane saved it');
  }

  it.each([
    [
      'a creation statement with a syntax error: PostgreSQL’s own reason, from behind the gateway',
      { creationStatement: `CREAT ROLE "{{username}}" WITH LOGIN PASSWORD '{{password}}';` },
      /^The statements were not saved: creationStatement failed: .*syntax error at or near "CREAT"/,
    ],
    [
      'a revocation statement without {{username}}',
      { revocationStatement: 'DROP ROLE IF EXISTS orders_reader;' },
      /^revocationStatement must contain \{\{username\}\}$/,
    ],
  ])('refuses %s (400), and nothing is saved', async (_what, inputs, reason) => {
    const from = stack.gateways.get('vpc-gateway')!.process.lineCount;
    const created = await refusal(
      stack.api.call(routes.createDynamicSecret, { body: ordersRo('orders-bad', inputs) }),
    );
    expect(created).toEqual({ status: 400, reason: expect.stringMatching(reason) });
    const { dynamicSecrets } = await stack.api.call(routes.listDynamicSecrets, { query: {} });
    expect(dynamicSecrets.map((secret) => secret.name)).toEqual(['orders-ro']);
    // A change of orders-ro to the same statement is refused too, and orders-ro keeps its own.
    const before = await stack.api.call(routes.getDynamicSecret, {
      params: { name: 'orders-ro' },
      query: {},
    });
    const updated = await refusal(
      stack.api.call(routes.updateDynamicSecret, {
        params: { name: 'orders-ro' },
        body: { data: { inputs } },
      }),
    );
    expect(updated).toEqual({ status: 400, reason: expect.stringMatching(reason) });
    const after = await stack.api.call(routes.getDynamicSecret, {
      params: { name: 'orders-ro' },
      query: {},
    });
    expect(after).toEqual(before);
    if ('creationStatement' in inputs) {
      // The syntax error was PostgreSQL's answer: the check went through the gateway to it.
      const gateway = stack.gateways.get('vpc-gateway')!.process;
      expect(
        gateway
          .linesSince(from)
          .filter((line) => line.includes(`127.0.0.1:${postgres.port}`) && /connected/.test(line)),
      ).not.toEqual([]);
    }
  });
});

describe('burrow dynamic-secrets lease', () => {
  it('create --format env: eval-able lines; psql logs in and may read orders, nothing more', async () => {
    const text = await leaseEnvText('10m');
    const env = parseEnv(text);
    expect(Object.keys(env)).toEqual([
      'PGHOST',
      'PGPORT',
      'PGDATABASE',
      'PGUSER',
      'PGPASSWORD',
      'BURROW_LEASE_ID',
    ]);
    expect(env).toMatchObject({
      PGHOST: '127.0.0.1',
      PGPORT: String(postgres.port),
      PGDATABASE: 'orders',
    });
    expect(await psql(env, 'SELECT item FROM orders')).toMatchObject({ code: 0, stdout: 'anvil' });
    const insert = await psql(env, "INSERT INTO orders VALUES (2, 'rocket')");
    expect(insert.stderr).toMatch(/permission denied for table orders/);
    const payroll = await psql(env, 'SELECT * FROM payroll');
    expect(payroll.stderr).toMatch(/permission denied for table payroll/);
    // The printed lines, as they are, under a shell's eval: psql sees the lease's role.
    const shell = await new Promise<string>((resolve) => {
      const child = execFile(
        '/bin/sh',
        ['-c', `eval "$(cat)"; psql -w -X -A -t -c 'SELECT current_user'`],
        { env: { PATH: process.env.PATH, HOME: testDir }, encoding: 'utf8', timeout: 60_000 },
        (_error, stdout) => resolve(stdout.trim()),
      );
      child.stdin?.end(text);
    });
    expect(shell).toBe(env.PGUSER);
  });

  it('create prints the credentials once for a person; list shows the lease without them', async () => {
    const created = await burrow([
      'dynamic-secrets',
      'lease',
      'create',
      'orders-ro',
      '--ttl',
      '10m',
    ]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^Lease \S+ on orders-ro: valid until \S+ \(in (9m \d+s|10m)\)/);
    const password = /password {2}(\S+)/.exec(created.stdout)?.[1] as string;
    const leaseId = /^Lease (\S+)/.exec(created.stdout)?.[1] as string;
    expect(password.length).toBe(32);
    const list = await burrow(['dynamic-secrets', 'lease', 'list', 'orders-ro']);
    expect(list.stdout).toMatch(/^LEASE ID\s+ROLE\s+STATUS\s+EXPIRES/);
    expect(list.stdout).toContain(leaseId);
    expect(list.stdout).not.toContain(password);
    await burrow(['dynamic-secrets', 'lease', 'revoke', leaseId]);
  });

  it('create and list --format json: the control plane’s answer, whose credentials psql accepts; list without them', async () => {
    const created = await burrow([
      'dynamic-secrets',
      'lease',
      'create',
      'orders-ro',
      '--ttl',
      '10m',
      '--format',
      'json',
    ]);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const answer = JSON.parse(created.stdout) as {
      lease: { id: string; status: string; externalEntityId: string; expireAt: string };
      dynamicSecret: { name: string };
      data: Record<string, string | number>;
    };
    expect(answer.dynamicSecret.name).toBe('orders-ro');
    expect(answer.lease).toMatchObject({ status: 'active' });
    expect(Date.parse(answer.lease.expireAt) - Date.now()).toBeGreaterThan(9 * 60_000);
    expect(answer.data).toEqual({
      DB_HOST: '127.0.0.1',
      DB_PORT: postgres.port,
      DB_NAME: 'orders',
      DB_USERNAME: answer.lease.externalEntityId,
      DB_PASSWORD: expect.stringMatching(/^\S{32}$/),
    });
    const env = {
      PGHOST: String(answer.data.DB_HOST),
      PGPORT: String(answer.data.DB_PORT),
      PGDATABASE: String(answer.data.DB_NAME),
      PGUSER: String(answer.data.DB_USERNAME),
      PGPASSWORD: String(answer.data.DB_PASSWORD),
    };
    expect(await psql(env, 'SELECT current_user')).toMatchObject({
      code: 0,
      stdout: answer.lease.externalEntityId,
    });

    const listed = await burrow([
      'dynamic-secrets',
      'lease',
      'list',
      'orders-ro',
      '--format',
      'json',
    ]);
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    const leases = JSON.parse(listed.stdout) as { id: string; status: string }[];
    expect(Array.isArray(leases)).toBe(true);
    expect(leases.find((lease) => lease.id === answer.lease.id)).toMatchObject({
      status: 'active',
      externalEntityId: answer.lease.externalEntityId,
    });
    expect(listed.stdout).not.toContain(env.PGPASSWORD);
    await burrow(['dynamic-secrets', 'lease', 'revoke', answer.lease.id]);
  });

  it('renew moves VALID UNTIL; revoke drops the role and psql is refused', async () => {
    const env = await leaseEnv('10m');
    const before = await validUntil(env.PGUSER as string);
    const renewed = await burrow([
      'dynamic-secrets',
      'lease',
      'renew',
      env.BURROW_LEASE_ID as string,
      '--ttl',
      '5m',
    ]);
    expect(renewed).toMatchObject({ code: 0, stderr: '' });
    expect(renewed.stdout).toMatch(/^Lease \S+ renewed: valid until /);
    expect(await validUntil(env.PGUSER as string)).toBe(before + 300_000);
    const revoked = await burrow([
      'dynamic-secrets',
      'lease',
      'revoke',
      env.BURROW_LEASE_ID as string,
    ]);
    expect(revoked).toMatchObject({ code: 0, stderr: '' });
    expect(revoked.stdout).toBe(
      `Lease ${env.BURROW_LEASE_ID} revoked: role ${env.PGUSER} dropped.\n`,
    );
    const refused = await psql(env, 'SELECT 1');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/password authentication failed|does not exist/);
  });

  it('refuses clearly: a ttl over the maxTTL, a lease ID that is not one, a secret without a grant', async () => {
    const tooLong = await burrow([
      'dynamic-secrets',
      'lease',
      'create',
      'orders-ro',
      '--ttl',
      '48h',
    ]);
    expect(tooLong.code).toBe(1);
    expect(tooLong.stderr).toMatch(
      /^burrow: POST \S+ failed \(400\): ttl 2d is longer than the dynamic secret's maxTTL 1d\n$/,
    );
    const badId = await burrow(['dynamic-secrets', 'lease', 'revoke', 'nope']);
    expect(badId).toMatchObject({ code: 2 });
    expect(badId.stderr).toMatch(/"nope" is not a lease ID/);
    const other = await burrow(['dynamic-secrets', 'lease', 'create', 'payroll-admin']);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(
      /\(403\): No grant gives this identity the dynamic secret payroll-admin/,
    );
  });

  it('an expired lease is dropped by the control plane, also when it was restarted meanwhile', async () => {
    const env = await leaseEnv('5s');
    const expiry = Date.now() + 5_000;
    await stack.restartControlPlane(async () => {
      await until('the lease to pass its expiry while the control plane is down', async () =>
        Date.now() > expiry + 1_000 ? true : undefined,
      );
      expect(await roleExists(env.PGUSER as string)).toBe(true);
    });
    await until('the restarted control plane to drop the role', async () =>
      (await roleExists(env.PGUSER as string)) ? undefined : true,
    );
    expect((await psql(env, 'SELECT 1')).code).not.toBe(0);
  });

  it('while the gateway is down a revocation is pending, and done once it is back', async () => {
    const env = await leaseEnv('10m');
    const gateway = stack.gateways.get('vpc-gateway');
    await gateway?.process.stop();
    try {
      const revoke = await burrow([
        'dynamic-secrets',
        'lease',
        'revoke',
        env.BURROW_LEASE_ID as string,
      ]);
      expect(revoke.code).toBe(0);
      expect(revoke.stderr).toMatch(
        /^burrow: Lease \S+: revocation pending: the gateway could not be reached/,
      );
      const list = await burrow(['dynamic-secrets', 'lease', 'list', 'orders-ro']);
      expect(list.stdout).toMatch(
        new RegExp(`${env.BURROW_LEASE_ID}\\s+${env.PGUSER}\\s+revocation pending`),
      );
      expect(await roleExists(env.PGUSER as string)).toBe(true);
    } finally {
      await stack.startGateway('vpc-gateway', 'relay-a');
    }
    // The role is dropped first and the lease marked revoked after: wait for the lease to leave
    // the list, then the role must be gone.
    await until(
      'the pending revocation to go through',
      async () => {
        const list = await burrow(['dynamic-secrets', 'lease', 'list', 'orders-ro']);
        return list.code === 0 && !list.stdout.includes(env.BURROW_LEASE_ID as string)
          ? true
          : undefined;
      },
      90_000,
    );
    expect(await roleExists(env.PGUSER as string)).toBe(false);
  });
});

describe('rotating the orders_app PAM account password', () => {
  /** `burrow pam access prod/orders-app`, until it prints its psql line; the port it listens on. */
  async function openAccess(): Promise<number> {
    const access = startBurrow(['pam', 'access', 'prod/orders-app', '--port', '0'], {
      configDir,
      logFile: path.join(testDir, `burrow-access-${accessProcesses.length + 1}.log`),
    });
    accessProcesses.push(access);
    const line = await access.waitFor(/psql "host=127\.0\.0\.1 port=\d+/, 60_000);
    return Number(/port=(\d+)/.exec(line)?.[1]);
  }

  it('new sessions log in with the new password, the old one is refused, an open session goes on', async () => {
    const firstPort = await openAccess();
    const open = new pg.Client({
      host: '127.0.0.1',
      port: firstPort,
      user: 'x',
      database: 'x',
      ssl: false,
    });
    await open.connect();
    try {
      expect((await open.query('SELECT current_user AS u')).rows[0]).toEqual({ u: 'orders_app' });
      const { rotation } = await stack.api.call(routes.rotatePamAccountPassword, {
        params: { accountId },
      });
      expect(rotation.rotationStatus).toBe('success');
      const old = await psql(
        {
          PGHOST: '127.0.0.1',
          PGPORT: String(postgres.port),
          PGDATABASE: 'orders',
          PGUSER: 'orders_app',
          PGPASSWORD: APP_PASSWORD,
        },
        'SELECT 1',
      );
      expect(old.stderr).toMatch(/password authentication failed/);
      // A new PAM session: the gateway is given the new password and logs in with it.
      const secondPort = await openAccess();
      const fresh = await psql(
        {
          PGHOST: '127.0.0.1',
          PGPORT: String(secondPort),
          PGUSER: 'x',
          PGDATABASE: 'x',
          PGSSLMODE: 'disable',
        },
        'SELECT count(*) FROM orders',
      );
      expect(fresh).toMatchObject({ code: 0, stdout: '1' });
      // The session opened before the rotation was not cut.
      expect((await open.query('SELECT count(*)::int AS n FROM orders')).rows[0]).toEqual({ n: 1 });
    } finally {
      await open.end();
    }
  });

  it('a rotation the database refuses leaves the account usable and says why', async () => {
    await postgres.sql('ALTER ROLE orders_app SET default_transaction_read_only = on');
    try {
      const { rotation } = await stack.api.call(routes.rotatePamAccountPassword, {
        params: { accountId },
      });
      expect(rotation.rotationStatus).toBe('failed');
      expect(rotation.lastRotationMessage).toMatch(
        /read-only transaction.*previous password still works/,
      );
      const port = await openAccess();
      const works = await psql(
        {
          PGHOST: '127.0.0.1',
          PGPORT: String(port),
          PGUSER: 'x',
          PGDATABASE: 'x',
          PGSSLMODE: 'disable',
        },
        'SELECT count(*) FROM orders',
      );
      expect(works).toMatchObject({ code: 0, stdout: '1' });
    } finally {
      await postgres.sql('ALTER ROLE orders_app RESET default_transaction_read_only');
    }
  });

  it('every lease and rotation is in the audit log; no password appeared anywhere but the lease answers', async () => {
    const { auditLogs } = await stack.api.call(routes.listAuditLogs, { query: { limit: 200 } });
    const kinds = new Set(auditLogs.map((event) => `${event.eventType}:${event.outcome}`));
    for (const kind of [
      'create-dynamic-secret-lease:success',
      'renew-dynamic-secret-lease:success',
      'revoke-dynamic-secret-lease:success',
      'revoke-dynamic-secret-lease:failure',
      'expire-dynamic-secret-lease:success',
      'rotate-pam-account-password:success',
      'rotate-pam-account-password:failure',
    ]) {
      expect(kinds).toContain(kind);
    }
    expect(
      auditLogs.find((e) => e.eventType === 'create-dynamic-secret-lease')?.actor,
    ).toMatchObject({ type: 'identity', name: 'order-service' });
    const logs = fs
      .readdirSync(stack.workDir)
      .filter((f) => f.endsWith('.log'))
      .map((f) => fs.readFileSync(path.join(stack.workDir, f), 'utf8'));
    for (const text of [
      ...logs,
      ...transcripts.filter((t) => !t.includes('PGPASSWORD=') && !t.includes('password  ')),
    ]) {
      expect(text).not.toContain(ADMIN_PASSWORD);
      expect(text).not.toContain(APP_PASSWORD);
    }
  });
});
