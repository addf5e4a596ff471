/**
 * Revocation that bites, from the real binaries (issue 12): control plane, relay and gateway
 * (LocalStack), the `burrow` CLI, a real PostgreSQL and real `psql` clients. In each case a person
 * is connected with psql (a long query running) when the revocation happens, and it must take
 * effect within 5 s: the psql connection is closed by the gateway, and the credentials involved
 * are refused at their next request.
 *
 *   an admin ends someone else's PAM session    POST /api/v1/pam/sessions/:id/end, and the
 *                                               same from the web console (End session, Chromium)
 *   the person's token is revoked               POST /api/v1/auth/token/revoke
 *   the person's identity is deleted            DELETE /api/v1/identities/:identityId
 *   the gateway is deleted                      DELETE /api/v2/gateways/:id (the gateway stops)
 *   a relay is deleted                          DELETE /api/v1/relays/:id (its gateway closes its
 *                                               tunnel to it within 5 s; the relay itself stops at
 *                                               its next heartbeat, a 404)
 *
 * Every process is stopped by its PID in afterAll.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { routes } from '@burrow/platform-api';
import {
  LocalStack,
  runBurrow,
  startBurrow,
  type GatewayHandle,
  type ManagedProcess,
} from '../src/index.ts';
import {
  findPsql,
  startHeadlessChromium,
  startPostgres,
  type PostgresServer,
} from '@burrow/test-support';
import { createOrdersDatabase, createPamMember, loginWithBurrow } from './support/pam-setup.ts';

/** The bound the issue sets for every revocation to reach live connections. */
const BOUND_MS = 5_000;
const PASSWORD = `revocation-Pw-${crypto.randomBytes(12).toString('hex')}`;

const testDir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-revocation-test-'));
let postgres: PostgresServer;
let stack: LocalStack;
let gateway: GatewayHandle;
let gatewayId: string;
const processes: ManagedProcess[] = [];
const psqls: LivePsql[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
  await postgres.createLoginRole('app_scram', PASSWORD, 'scram-sha-256');
  await postgres.sql('CREATE DATABASE orders OWNER app_scram');
  stack = await LocalStack.start();
  await stack.startRelay('relay-r');
  gateway = await stack.startGateway('gateway-r', 'relay-r');
  gatewayId = (await stack.waitForHealthyGateway('gateway-r')).id;
  await createOrdersDatabase(stack, gatewayId, postgres.port, [
    { name: 'orders-db', username: 'app_scram', password: PASSWORD },
  ]);
}, 300_000); // PostgreSQL, the stack and a login: over 120 s at load ~30

afterAll(async () => {
  for (const live of psqls) live.child.kill('SIGKILL');
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await stack?.stop();
  await postgres?.stop();
  fs.rmSync(testDir, { recursive: true, force: true });
});

interface Person {
  identityId: string;
  configDir: string;
  /** The access token `burrow login` stored. */
  token: () => string;
}

/** A member with a grant on prod/, logged in with the burrow CLI in its own config dir. */
async function person(name: string): Promise<Person> {
  const identity = await createPamMember(stack, name, ['prod/']);
  const configDir = path.join(testDir, `${name}-config`);
  await loginWithBurrow(stack, identity, configDir);
  const credentials = path.join(configDir, 'credentials.json');
  return {
    identityId: identity.identityId,
    configDir,
    token: () =>
      (JSON.parse(fs.readFileSync(credentials, 'utf8')) as { accessToken: string }).accessToken,
  };
}

interface LivePsql {
  child: ReturnType<typeof spawn>;
  /** Resolves when psql exits, with when and how. */
  exited: Promise<{ at: number; code: number | null; stderr: string }>;
}

/**
 * `burrow pam access prod/orders-db`, then psql through it, connected and running a long query
 * (SELECT 1 answered first, so it is known to be connected through the gateway).
 */
async function connect(who: Person): Promise<{ sessionId: string; psql: LivePsql }> {
  const access = startBurrow(['pam', 'access', 'prod/orders-db', '--port', '0'], {
    configDir: who.configDir,
    logFile: path.join(testDir, `access-${processes.length + 1}.log`),
  });
  processes.push(access);
  const psqlLine = await access.waitFor(/psql "host=127\.0\.0\.1 port=\d+/, 30_000);
  const sessionLine = await access.waitFor(/^PAM session \S+ for /, 5_000);
  const conninfo = /psql "([^"]+)"/.exec(psqlLine)?.[1] as string;
  const sessionId = /^PAM session (\S+) for /.exec(sessionLine)?.[1] as string;
  const child = spawn(
    findPsql() as string,
    [conninfo, '-X', '-A', '-t', '-c', 'SELECT 1', '-c', 'SELECT pg_sleep(120)'],
    {
      env: { PATH: process.env.PATH, HOME: testDir, PGCONNECT_TIMEOUT: '20' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ at: number; code: number | null; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ at: Date.now(), code, stderr })),
  );
  const live = { child, exited };
  psqls.push(live);
  // Connected through the gateway: the first query answered.
  const deadline = Date.now() + 30_000;
  while (!stdout.includes('1') && child.exitCode === null && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect({ connected: stdout.trim().startsWith('1'), stderr }).toEqual({
    connected: true,
    stderr: '',
  });
  return { sessionId, psql: live };
}

/** Runs `revoke` and expects the live psql to be cut off within the bound. */
async function expectCutOff(psql: LivePsql, revoke: () => Promise<void>): Promise<string> {
  const started = Date.now();
  await revoke();
  let timer: NodeJS.Timeout | undefined;
  const ended = await Promise.race([
    psql.exited,
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), BOUND_MS + 2_000);
    }),
  ]);
  clearTimeout(timer);
  expect(ended).toBeDefined();
  const { at, code, stderr } = ended as { at: number; code: number | null; stderr: string };
  expect(code).not.toBe(0);
  expect(at - started).toBeLessThan(BOUND_MS);
  return stderr;
}

async function statusOf(token: string): Promise<number> {
  const response = await fetch(`${stack.apiUrl}/v2/gateways`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return response.status;
}

describe('revocation reaches live psql connections within 5 s', () => {
  it("an admin ends someone else's session: the gateway closes it and drops its credentials", async () => {
    const alice = await person('alice');
    const { sessionId, psql } = await connect(alice);
    const stderr = await expectCutOff(psql, async () => {
      await stack.api.call(routes.endPamSession, { params: { sessionId }, body: {} });
    });
    expect(stderr).toMatch(/was cancelled|terminat|closed/i);
    const session = await stack.api.call(routes.getPamSession, { params: { sessionId } });
    expect(session.session.status).toBe('ended');
    // The gateway ended it for the cancellation (credentials dropped, recording finished).
    const ended = await gateway.process.waitFor(/"msg":"PAM session ended"/, BOUND_MS);
    expect(ended).toContain(sessionId);
    expect(ended).toContain('"reason":"cancelled"');
  }, 90_000);

  it('an admin ends it from the web console in Chromium: the same, by pressing End session', async () => {
    const erin = await person('erin');
    const { sessionId, psql } = await connect(erin);
    const chromium = await startHeadlessChromium();
    try {
      const page = await chromium.browser.newPage();
      page.setDefaultTimeout(20_000);
      await page.goto(new URL('/console/', stack.apiUrl).href);
      await page.getByLabel('Email').fill(stack.adminUser.email);
      await page.getByLabel('Password').fill(stack.adminUser.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('link', { name: 'Sessions' }).click();
      const row = page.getByRole('row').filter({ hasText: 'erin' });
      await row.getByText('active', { exact: true }).waitFor();
      const stderr = await expectCutOff(psql, async () => {
        await row.getByRole('button', { name: 'End the session on prod/orders-db' }).click();
      });
      expect(stderr).toMatch(/was cancelled|terminat|closed/i);
      await row.getByText('ended', { exact: true }).waitFor();
      const session = await stack.api.call(routes.getPamSession, { params: { sessionId } });
      expect(session.session.status).toBe('ended');
    } finally {
      await chromium.stop();
    }
  }, 90_000);

  it('revoking the person’s token: refused at the next request, its session closed', async () => {
    const bob = await person('bob');
    const token = bob.token();
    const { psql } = await connect(bob);
    expect(await statusOf(token)).toBe(200);
    await expectCutOff(psql, async () => {
      const response = await fetch(`${stack.apiUrl}/v1/auth/token/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ accessToken: token }),
      });
      expect(response.status).toBe(200);
    });
    expect(await statusOf(token)).toBe(401);
  }, 90_000);

  it('deleting the person’s identity: its token refused at the next request, its session closed', async () => {
    const carol = await person('carol');
    const token = carol.token();
    const { psql } = await connect(carol);
    await expectCutOff(psql, async () => {
      await stack.api.call(routes.deleteIdentity, { params: { identityId: carol.identityId } });
    });
    expect(await statusOf(token)).toBe(401);
    const again = await runBurrow(['pam', 'access', 'prod/orders-db', '--port', '0'], {
      configDir: carol.configDir,
    });
    expect(again.code).not.toBe(0);
  }, 90_000);

  it('deleting a relay: the gateway that holds it closes its tunnel to it within 5 s', async () => {
    const relay = await stack.startRelay('relay-s');
    const other = await stack.startGateway('gateway-s', 'relay-s');
    await stack.waitForHealthyGateway('gateway-s');
    const relays = await stack.api.call(routes.listRelays);
    const relayId = relays.find((r) => r.name === 'relay-s')?.id as string;
    const started = Date.now();
    const fromLine = relay.process.output().length;
    await stack.api.call(routes.deleteRelay, { params: { id: relayId } });
    await other.process.waitFor(/no longer knows this relay: closing the tunnel to it/, BOUND_MS);
    await relay.process.waitFor(/Gateway disconnected/, BOUND_MS, fromLine);
    expect(Date.now() - started).toBeLessThan(BOUND_MS);
    // The gateway itself was not deleted: it keeps running, without that relay.
    expect(other.process.running).toBe(true);
  }, 90_000);

  it('deleting the gateway: the gateway stops, closing the connection; no new session is granted', async () => {
    const dave = await person('dave');
    const { psql } = await connect(dave);
    await expectCutOff(psql, async () => {
      await stack.api.call(routes.deleteGateway, { params: { id: gatewayId } });
    });
    const deadline = Date.now() + BOUND_MS;
    while (gateway.process.running && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(gateway.process.running).toBe(false);
    expect(await gateway.process.stop()).toBe(0);
    expect(fs.readFileSync(gateway.process.logFile, 'utf8')).toMatch(
      /the control plane revoked this gateway/,
    );
    const again = await runBurrow(['pam', 'access', 'prod/orders-db', '--port', '0'], {
      configDir: dave.configDir,
    });
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/deleted/);
  }, 90_000);
});
