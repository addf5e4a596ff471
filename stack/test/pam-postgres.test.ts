/**
 * Access to a private PostgreSQL, end to end, from the real binaries on loopback: control plane,
 * relay, gateway (LocalStack) and the `burrow` CLI, a real PostgreSQL started with initdb/pg_ctl,
 * real `psql` and the `pg` driver as clients. The database passwords are given to the control
 * plane once and must never show up anywhere else.
 *
 * One PAM session (prod/orders-db) stays open through most tests, as a person's would; the others
 * are opened for one case each. Every process is stopped by its PID in afterAll.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { routes } from '@burrow/platform-api';
import {
  LocalStack,
  getPamSession,
  runBurrow,
  sleep,
  startBurrow,
  type BurrowResult,
  type GatewayHandle,
  type ManagedProcess,
  type PamSessionRecord,
} from '../src/index.ts';
import { findPsql, freePort, startPostgres, type PostgresServer } from '@burrow/test-support';
import { createOrdersDatabase, createPamMember, loginWithBurrow } from './support/pam-setup.ts';
import { waitForPamSession } from './support/pam-session.ts';

const run = crypto.randomBytes(4).toString('hex');
const SCRAM_PASSWORD = `scram-Pw-${crypto.randomBytes(12).toString('hex')}`;
const MD5_PASSWORD = `md5-Pw-${crypto.randomBytes(12).toString('hex')}`;
const WRONG_PASSWORD = `wrong-Pw-${crypto.randomBytes(12).toString('hex')}`;
const PASSWORDS = [SCRAM_PASSWORD, MD5_PASSWORD, WRONG_PASSWORD];

const testDir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-pam-test-'));
const configDir = path.join(testDir, 'burrow-config');

let postgres: PostgresServer;
let stack: LocalStack;
let gateway: GatewayHandle;
let gatewayId: string;
let identity: { identityId: string; clientId: string; clientSecret: string };
/** Everything any burrow or psql invocation printed, checked for passwords at the end. */
const transcripts: string[] = [];
const accessProcesses: ManagedProcess[] = [];
const sessionIds: string[] = [];

beforeAll(async () => {
  postgres = await startPostgres({ tcpAuth: { legacy_app: 'md5' } });
  await postgres.createLoginRole('app_scram', SCRAM_PASSWORD, 'scram-sha-256');
  await postgres.createLoginRole('legacy_app', MD5_PASSWORD, 'md5');
  await postgres.sql('CREATE DATABASE orders OWNER app_scram');

  stack = await LocalStack.start();
  await stack.startRelay('relay-a');
  gateway = await stack.startGateway('gateway-a', 'relay-a');
  gatewayId = (await stack.waitForHealthyGateway('gateway-a')).id;

  const accounts = [
    ...(await createOrdersDatabase(stack, gatewayId, postgres.port, [
      { name: 'orders-db', username: 'app_scram', password: SCRAM_PASSWORD },
      { name: 'orders-legacy', username: 'legacy_app', password: MD5_PASSWORD },
      { name: 'orders-wrong-password', username: 'app_scram', password: WRONG_PASSWORD },
    ])),
    ...(await createOrdersDatabase(
      stack,
      gatewayId,
      await freePort(),
      [{ name: 'orders-down', username: 'app_scram', password: SCRAM_PASSWORD }],
      'down-pg',
    )),
  ];
  expect(accounts.map((account) => account.path)).toEqual([
    'prod/orders-db',
    'prod/orders-legacy',
    'prod/orders-wrong-password',
    'prod/orders-down',
  ]);
  // The person: a machine identity with the member role (not an admin).
  identity = await createPamMember(stack, 'alice', ['prod/']);
}, 120_000);

afterAll(async () => {
  await Promise.all(accessProcesses.map((p) => p.stop('SIGKILL')));
  await stack?.stop();
  await postgres?.stop();
  fs.rmSync(testDir, { recursive: true, force: true });
});

async function burrow(args: string[], env: Record<string, string> = {}): Promise<BurrowResult> {
  const result = await runBurrow(args, { configDir, env });
  transcripts.push(result.stdout, result.stderr);
  return result;
}

interface AccessSession {
  process: ManagedProcess;
  sessionId: string;
  port: number;
  /** The connection string of the printed psql command. */
  conninfo: string;
}

/** `burrow pam access <path> --port 0`, until it prints the psql line. */
async function openAccess(accountPath: string, extraArgs: string[] = []): Promise<AccessSession> {
  const process = startBurrow(['pam', 'access', accountPath, '--port', '0', ...extraArgs], {
    configDir,
    logFile: path.join(testDir, `burrow-access-${accessProcesses.length + 1}.log`),
  });
  accessProcesses.push(process);
  const psqlLine = await process.waitFor(/psql "host=127\.0\.0\.1 port=\d+/, 30_000);
  const sessionLine = await process.waitFor(/^PAM session \S+ for /, 5_000);
  const conninfo = /psql "([^"]+)"/.exec(psqlLine)?.[1] as string;
  const port = Number(/port=(\d+)/.exec(conninfo)?.[1]);
  const sessionId = /^PAM session (\S+) for /.exec(sessionLine)?.[1] as string;
  sessionIds.push(sessionId);
  return { process, sessionId, port, conninfo };
}

interface PsqlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Real psql with the printed connection string, no password anywhere, one query per -c. */
function psql(conninfo: string, ...statements: string[]): Promise<PsqlResult> {
  const args = [conninfo, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1'];
  for (const statement of statements) args.push('-c', statement);
  return new Promise((resolve) => {
    execFile(
      findPsql() as string,
      args,
      {
        env: { PATH: process.env.PATH, HOME: testDir, PGCONNECT_TIMEOUT: '20' },
        timeout: 60_000,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        transcripts.push(stdout, stderr);
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

async function waitForExit(
  processToWatch: ManagedProcess,
  timeoutMs: number,
): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  while (processToWatch.running && Date.now() < deadline) await sleep(100);
  if (processToWatch.running)
    throw new Error(`${processToWatch.name} still running after ${timeoutMs} ms`);
  return processToWatch.stop(); // already exited: resolves with its exit code
}

const inputs = (session: PamSessionRecord): string[] => (session.events ?? []).map((e) => e.input);

describe('burrow login', () => {
  it('logs in with universal auth and stores the token with mode 0600, printing no secret', async () => {
    const result = await loginWithBurrow(stack, identity, configDir); // throws unless exit code 0
    transcripts.push(result.stdout, result.stderr);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(
      /^Logged in to http:\/\/127\.0\.0\.1:\d+\/api with universal-auth/,
    );
    const file = path.join(configDir, 'credentials.json');
    expect(fs.statSync(configDir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { accessToken: string };
    expect(result.stdout).not.toContain(stored.accessToken);
    expect(result.stdout).not.toContain(identity.clientSecret);
  });

  it('refuses a wrong secret with one clear line and exit code 3', async () => {
    const result = await runBurrow(
      ['login', '--domain', stack.apiUrl, '--client-id', identity.clientId],
      {
        configDir: path.join(testDir, 'other-config'),
        env: { INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET: 'not-the-secret' },
      },
    );
    expect(result.code).toBe(3);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^burrow: login refused \(401\)/);
  });

  it('says "not logged in" for PAM commands without a login', async () => {
    const result = await runBurrow(['pam', 'access', 'prod/orders-db'], {
      configDir: path.join(testDir, 'empty-config'),
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^burrow: not logged in: run burrow login/);
  });

  it('names an account path that does not exist', async () => {
    const result = await burrow(['pam', 'access', 'prod/no-such-db']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'burrow: PAM account prod/no-such-db not found; burrow pam accounts list shows the accounts you may access\n',
    );
  });

  it('burrow pam accounts list shows every account a member may open, without passwords', async () => {
    const result = await burrow(['pam', 'accounts', 'list']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').map((line) => line.split(/\s+/).slice(0, 3))).toEqual([
      ['ACCOUNT', 'TYPE', 'USER'],
      ['prod/orders-db', 'postgres', 'app_scram'],
      ['prod/orders-down', 'postgres', 'app_scram'],
      ['prod/orders-legacy', 'postgres', 'legacy_app'],
      ['prod/orders-wrong-password', 'postgres', 'app_scram'],
      [''],
    ]);
  });
});

describe('burrow pam access to PostgreSQL', () => {
  let main: AccessSession;
  const marker = (name: string): string => `${name}-${run}`;

  beforeAll(async () => {
    main = await openAccess('prod/orders-db', ['--reason', 'orders incident']);
  }, 60_000);

  it('prints a ready-to-paste psql command without a password', () => {
    expect(main.conninfo).toBe(
      `host=127.0.0.1 port=${main.port} user=app_scram dbname=orders sslmode=disable`,
    );
    expect(main.process.output().join('\n')).toMatch(/Ctrl-C ends it/);
  });

  it('real psql runs DDL and queries through relay and gateway (SCRAM account)', async () => {
    const result = await psql(
      main.conninfo,
      'CREATE TABLE orders (id int PRIMARY KEY, item text NOT NULL, qty int NOT NULL)',
      `INSERT INTO orders VALUES (1, '${marker('first-item')}', 2), (2, 'second', 5)`,
      'SELECT item, qty FROM orders ORDER BY id',
      'SELECT current_user',
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      `${marker('first-item')}|2`,
      'second|5',
      'app_scram',
    ]);
  });

  it('the pg driver works too, with named prepared statements and parameters', async () => {
    const client = new pg.Client({
      host: '127.0.0.1',
      port: main.port,
      user: 'app_scram',
      database: 'orders',
    });
    await client.connect();
    try {
      const insert = 'INSERT INTO orders (id, item, qty) VALUES ($1, $2, $3)';
      await client.query({ name: 'add-order', text: insert, values: [10, marker('widget'), 7] });
      await client.query({ name: 'add-order', text: insert, values: [11, marker('gadget'), 3] });
      const found = await client.query('SELECT item, qty FROM orders WHERE id = $1', [10]);
      expect(found.rows).toEqual([{ item: marker('widget'), qty: 7 }]);
    } finally {
      await client.end();
    }
  });

  it('an MD5 account works, and Ctrl-C ends its session cleanly with exit code 0', async () => {
    const legacy = await openAccess('prod/orders-legacy');
    expect(legacy.conninfo).toContain('user=legacy_app');
    await postgres.sql('GRANT SELECT ON orders TO legacy_app', 'orders');
    const result = await psql(legacy.conninfo, 'SELECT current_user, count(*) FROM orders');
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('legacy_app|4');
    expect(await legacy.process.stop('SIGINT')).toBe(0);
    expect(legacy.process.output().join('\n')).toContain(`Session ${legacy.sessionId} ended.`);
    await waitForPamSession(stack, legacy.sessionId, (s) => s.status === 'ended');
  });

  it('a wrong stored password: psql shows the server refusal; the gateway keeps serving', async () => {
    const wrong = await openAccess('prod/orders-wrong-password');
    const result = await psql(wrong.conninfo, 'SELECT 1');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/FATAL: .*password authentication failed for user "app_scram"/);
    await wrong.process.stop('SIGINT');
    expect((await psql(main.conninfo, `SELECT '${marker('after-wrong')}'`)).code).toBe(0);
  });

  it('target down: psql shows a clear PostgreSQL error; the gateway keeps serving', async () => {
    const down = await openAccess('prod/orders-down');
    const result = await psql(down.conninfo, 'SELECT 1');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/FATAL: .*(connect|reach|refused|down)/i);
    await down.process.stop('SIGINT');
    expect((await psql(main.conninfo, `SELECT '${marker('after-down')}'`)).code).toBe(0);
  });

  it('an expired session: psql is told so, and burrow ends by itself', async () => {
    const short = await openAccess('prod/orders-db', ['--duration', '6s']);
    const result = await psql(short.conninfo, 'SELECT 1', 'SELECT pg_sleep(30)');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/FATAL: .*expired/i);
    expect(await waitForExit(short.process, 20_000)).toBe(0);
    expect(short.process.output().join('\n')).toContain(`Session ${short.sessionId} expired at`);
    expect((await psql(main.conninfo, `SELECT '${marker('after-expiry')}'`)).code).toBe(0);
  });

  it('a cancelled session (Ctrl-C during a query): psql is told so; the gateway keeps serving', async () => {
    const cancelled = await openAccess('prod/orders-db');
    const running = psql(cancelled.conninfo, `SELECT pg_sleep(30), '${marker('cancelled')}'`);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const active = await postgres.sql(
        `SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%${marker('cancelled')}%' AND pid <> pg_backend_pid()`,
      );
      if (active.trim() === '1') break;
      await sleep(200);
    }
    expect(await cancelled.process.stop('SIGINT')).toBe(0);
    const result = await running;
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/FATAL: .*(cancel|ended|terminat)/i);
    await waitForPamSession(stack, cancelled.sessionId, (s) => s.status === 'ended');
    expect((await psql(main.conninfo, `SELECT '${marker('after-cancel')}'`)).code).toBe(0);
  });

  it('survives the gateway being killed (SIGKILL) and restarted mid-session', async () => {
    expect((await psql(main.conninfo, `SELECT '${marker('before-kill')}'`)).code).toBe(0);
    await gateway.process.stop('SIGKILL');
    // While the gateway is gone, psql gets burrow's own clear error.
    const meanwhile = await psql(main.conninfo, 'SELECT 1');
    expect(meanwhile.code).not.toBe(0);
    expect(meanwhile.stderr).toMatch(/burrow: the gateway is not reachable through the relay/);
    gateway = await stack.startGateway('gateway-a', 'relay-a');
    await stack.waitForHealthyGateway('gateway-a');
    let after: PsqlResult | undefined;
    for (let attempt = 0; attempt < 20; attempt++) {
      after = await psql(main.conninfo, `SELECT '${marker('after-restart')}'`);
      if (after.code === 0) break;
      await sleep(500);
    }
    expect(after?.stdout.trim()).toBe(marker('after-restart'));
  });

  it('Ctrl-C ends the session; the recording reaches the control plane complete, in order, once', async () => {
    expect(await main.process.stop('SIGINT')).toBe(0);
    const ended = await waitForPamSession(
      stack,
      main.sessionId,
      (s) =>
        s.status === 'ended' && inputs(s).some((input) => input.includes(marker('after-restart'))),
    );
    // One more upload period: nothing arrives twice later.
    await sleep(3_000);
    const session = await getPamSession(stack.api, main.sessionId);
    expect(session.events).toHaveLength(ended.events?.length ?? -1);
    expect(session.reason).toBe('orders incident');
    expect(session.accountPath).toBe('prod/orders-db');

    const recorded = inputs(session);
    if (!recorded.some((input) => input.includes(marker('before-kill'))))
      process.stderr.write(`recorded inputs: ${JSON.stringify(recorded, null, 1)}\n`);
    const expectedInOrder = [
      'CREATE TABLE orders',
      marker('first-item'),
      'SELECT item, qty FROM orders ORDER BY id',
      marker('widget'),
      marker('gadget'),
      'WHERE id = ',
      marker('after-wrong'),
      marker('after-down'),
      marker('after-expiry'),
      marker('after-cancel'),
      marker('before-kill'),
      marker('after-restart'),
    ];
    let position = -1;
    for (const expected of expectedInOrder) {
      const index = recorded.findIndex((input, i) => i > position && input.includes(expected));
      expect({ expected, found: index > position }).toEqual({ expected, found: true });
      position = index;
    }
    // Bound parameters are in the recording.
    expect(recorded.filter((input) => input.includes(marker('widget')))).toHaveLength(1);
    const paramQuery = recorded.find((input) => input.includes('WHERE id = ')) as string;
    expect(paramQuery).toMatch(/10/);
    // The query before the kill: recorded exactly once; no event twice.
    expect(recorded.filter((input) => input.includes(marker('before-kill')))).toHaveLength(1);
    const keys = (session.events ?? []).map((e) => `${e.timestamp}|${e.input}|${e.output}`);
    expect(new Set(keys).size).toBe(keys.length);
    // Results are summarised.
    const create = session.events?.find((e) => e.input.includes('CREATE TABLE orders'));
    expect(create?.output).toMatch(/CREATE TABLE/);
    // The gateway uploaded with the reference's protocol: sealed chunks the control plane
    // opened and stored, never the event-batch fallback; nothing is missing.
    const controlPlaneLog = fs.readFileSync(path.join(stack.workDir, 'control-plane.log'), 'utf8');
    const lines = controlPlaneLog.split('\n').filter((line) => line.includes(main.sessionId));
    expect(lines.some((line) => line.includes('PAM session recording chunk received'))).toBe(true);
    expect(lines.some((line) => line.includes('PAM session event batch received'))).toBe(false);
    expect(session.recordingProblems ?? []).toEqual([]);

    // The same, through the CLI.
    const shown = await burrow(['pam', 'sessions', 'show', main.sessionId]);
    expect(shown.code).toBe(0);
    let cursor = -1;
    for (const expected of expectedInOrder) {
      const index = shown.stdout.indexOf(expected, cursor + 1);
      expect({ expected, after: cursor, found: index > cursor }).toEqual({
        expected,
        after: cursor,
        found: true,
      });
      cursor = index;
    }
    expect(shown.stdout).toContain(`Events   ${recorded.length}`);
    expect(shown.stdout).toMatch(/\[1\] \d{4}-\d\d-\d\dT/);
  });

  it('burrow pam sessions list shows every session of the run', async () => {
    const listed = await burrow(['pam', 'sessions', 'list']);
    expect(listed.code).toBe(0);
    for (const id of sessionIds) expect(listed.stdout).toContain(id);
    expect(listed.stdout).toMatch(/prod\/orders-db/);
  });

  it('the passwords appear nowhere: CLI output, process logs, recordings', async () => {
    const logs = fs
      .readdirSync(stack.workDir)
      .filter((name) => name.endsWith('.log'))
      .map((name) => fs.readFileSync(path.join(stack.workDir, name), 'utf8'));
    expect(logs.length).toBeGreaterThanOrEqual(3); // control plane, relay, gateway
    const cliLogs = fs
      .readdirSync(testDir)
      .filter((name) => name.endsWith('.log'))
      .map((name) => fs.readFileSync(path.join(testDir, name), 'utf8'));
    const recordings = await Promise.all(
      sessionIds.map(async (id) => JSON.stringify(await getPamSession(stack.api, id))),
    );
    const accounts = JSON.stringify(await stack.api.call(routes.listPamAccounts));
    const everything = [...transcripts, ...logs, ...cliLogs, ...recordings, accounts].join('\n');
    expect(everything.length).toBeGreaterThan(1_000);
    for (const password of PASSWORDS) expect(everything).not.toContain(password);
  });
});
