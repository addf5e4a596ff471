/**
 * The web console against the real binaries (issue 19): control plane, relay and gateway
 * (LocalStack), the `burrow` CLI, a real PostgreSQL and a real `psql`, and Debian's Chromium
 * driven by playwright-core. What a person does on a fresh stack, in order:
 *
 *   1. the first admin (the bootstrap's sign-in) signs in and sees the real gateway healthy
 *   2. tests a connection through it to the PostgreSQL port from the gateways page
 *   3. adds the database, an account and a grant for a member from the PAM page
 *   4. the member logs in with `burrow login --email`, opens `burrow pam access`, runs psql
 *   5. the admin ends that live session from the sessions page (psql is cut off)
 *   6. and reads its recording: the member's query text
 *
 * The cases depend on each other (one page, one story). Screenshots go to
 * .burrow/console-screenshots/stack-*.png. Every process (stack, burrow, psql, Chromium,
 * PostgreSQL) is stopped by its PID in afterAll, and the scratch dir is removed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  findPsql,
  startHeadlessChromium,
  startPostgres,
  type HeadlessChromium,
  type PostgresServer,
} from '@burrow/test-support';
import { LocalStack, runBurrow, startBurrow, type ManagedProcess } from '../src/index.ts';
import { waitForPamSession } from './support/pam-session.ts';

const SCREENSHOTS = path.resolve(import.meta.dirname, '../../.burrow/console-screenshots');
const DB_PASSWORD = `console-Pw-${crypto.randomBytes(12).toString('hex')}`;
const MEMBER_EMAIL = 'dana@burrow.local';
/** The query the member types; the admin must find its text in the recording. */
const MARKER = `console-marker-${crypto.randomBytes(4).toString('hex')}`;
const MARKER_QUERY = `SELECT '${MARKER}' AS marker`;

const testDir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-console-test-'));
let postgres: PostgresServer;
let stack: LocalStack;
let chromium: HeadlessChromium;
let page: Awaited<ReturnType<HeadlessChromium['browser']['newPage']>>;
let memberPassword: string;
let access: ManagedProcess | undefined;
let psql: ChildProcess | undefined;
let sessionId: string;

beforeAll(async () => {
  postgres = await startPostgres();
  await postgres.createLoginRole('app_scram', DB_PASSWORD, 'scram-sha-256');
  await postgres.sql('CREATE DATABASE orders OWNER app_scram');
  stack = await LocalStack.start();
  await stack.startRelay('relay-c');
  await stack.startGateway('gateway-c', 'relay-c');
  // The page shows what the control plane knows at load time: wait until it has the heartbeat.
  await stack.waitForHealthyGateway('gateway-c');
  // A person with the member role (users are made by an admin; the console has no sign-up).
  const created = await fetch(`${stack.apiUrl}/v1/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      organizationId: stack.organizationId,
      email: MEMBER_EMAIL,
      role: 'member',
    }),
  });
  expect(created.status).toBe(200);
  memberPassword = ((await created.json()) as { initialPassword: string }).initialPassword;

  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  chromium = await startHeadlessChromium();
  page = await chromium.browser.newPage({ viewport: { width: 1366, height: 800 } });
  page.setDefaultTimeout(30_000);
}, 300_000);

afterAll(async () => {
  if (psql && psql.exitCode === null && psql.signalCode === null) psql.kill('SIGKILL');
  await access?.stop('SIGKILL');
  await chromium?.stop();
  await stack?.stop();
  await postgres?.stop();
  fs.rmSync(testDir, { recursive: true, force: true });
});

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `stack-${name}.png`), fullPage: true });
}

describe('web console on a stack from the real binaries', () => {
  it('the first admin signs in with the bootstrap sign-in and sees the real gateway healthy', async () => {
    await page.goto(new URL('/console/', stack.apiUrl).href);
    await page.getByLabel('Email').fill(stack.adminUser.email);
    await page.getByLabel('Password').fill(stack.adminUser.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const row = page.getByRole('row').filter({ hasText: 'gateway-c' }).first();
    await row.getByText('healthy', { exact: true }).waitFor();
    await row.getByText(/^relay-c \(/).waitFor();
    // The version the real burrow-gateway sends with its heartbeat.
    await row.getByText(/^burrow-gateway\/\d/).waitFor();
  });

  it('tests a connection through the gateway to the PostgreSQL port', async () => {
    await page.getByLabel('Target host:port for gateway-c').fill(`127.0.0.1:${postgres.port}`);
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Reachable \(tunnel open in/ })
      .waitFor();
    await shot('01-gateways');
  });

  it('adds the database, an account and a grant for the member from the PAM page', async () => {
    await page.getByRole('link', { name: 'PAM' }).click();
    const addResource = page.getByRole('form', { name: 'Add a resource' });
    await addResource.getByLabel('Name', { exact: true }).fill('orders-pg');
    await addResource.getByLabel('Gateway').selectOption({ label: 'gateway-c' });
    await addResource.getByLabel('Host').fill('127.0.0.1');
    await addResource.getByLabel('Port').fill(String(postgres.port));
    await addResource.getByLabel('Database').fill('orders');
    await addResource.getByRole('button', { name: 'Add resource' }).click();
    await page.getByText('Resource orders-pg added.').waitFor();

    const addAccount = page.getByRole('form', { name: 'Add an account' });
    await addAccount.getByLabel('Resource').selectOption({ label: 'orders-pg (postgres)' });
    await addAccount.getByLabel('Folder').fill('prod');
    await addAccount.getByLabel('Name', { exact: true }).fill('orders-db');
    await addAccount.getByLabel('Username').fill('app_scram');
    await addAccount.getByLabel('Password').fill(DB_PASSWORD);
    await addAccount.getByRole('button', { name: 'Add account' }).click();
    await page.getByText('Account prod/orders-db added.').waitFor();

    const grant = page.getByRole('form', { name: 'Grant access' });
    await grant.getByLabel('Identity').selectOption({ label: `${MEMBER_EMAIL} (member)` });
    await grant.getByLabel('Account or folder').fill('prod/orders-db');
    await grant.getByRole('button', { name: 'Grant' }).click();
    await page.getByText(`${MEMBER_EMAIL} may now open prod/orders-db.`).waitFor();
    expect(await page.locator('body').innerText()).not.toContain(DB_PASSWORD);
    expect(await page.content()).not.toContain(DB_PASSWORD);
    await shot('02-pam');
  });

  it('the member opens a session with burrow pam access and psql; the admin ends it from the sessions page', async () => {
    const configDir = path.join(testDir, 'member-config');
    const login = await runBurrow(['login', '--domain', stack.apiUrl, '--email', MEMBER_EMAIL], {
      configDir,
      env: { BURROW_PASSWORD: memberPassword },
    });
    expect(login).toMatchObject({ code: 0 });
    access = startBurrow(['pam', 'access', 'prod/orders-db', '--port', '0'], {
      configDir,
      logFile: path.join(testDir, 'access.log'),
    });
    const psqlLine = await access.waitFor(/psql "host=127\.0\.0\.1 port=\d+/, 60_000);
    const sessionLine = await access.waitFor(/^PAM session \S+ for /, 5_000);
    const conninfo = /psql "([^"]+)"/.exec(psqlLine)?.[1] as string;
    sessionId = /^PAM session (\S+) for /.exec(sessionLine)?.[1] as string;

    // psql answers the marker query, then sits in a long one until the session is ended.
    const live = spawn(
      findPsql() as string,
      [conninfo, '-X', '-A', '-t', '-c', MARKER_QUERY, '-c', 'SELECT pg_sleep(120)'],
      {
        env: { PATH: process.env.PATH, HOME: testDir, PGCONNECT_TIMEOUT: '20' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    psql = live;
    let stdout = '';
    let stderr = '';
    live.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    live.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => live.once('exit', resolve));
    const deadline = Date.now() + 30_000;
    while (!stdout.includes(MARKER) && live.exitCode === null && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect({ stdout: stdout.trim(), stderr }).toEqual({ stdout: MARKER, stderr: '' });

    await page.getByRole('link', { name: 'Sessions' }).click();
    const row = page.getByRole('row').filter({ hasText: 'prod/orders-db' });
    await row.getByText(MEMBER_EMAIL).waitFor();
    await row.getByText('active', { exact: true }).waitFor();
    await shot('03-sessions-live');
    await row.getByRole('button', { name: 'End the session on prod/orders-db' }).click();
    await row.getByText('ended', { exact: true }).waitFor();
    expect(await exited).not.toBe(0);
    expect(stderr).toMatch(/was cancelled|terminat|closed/i);
  });

  it('the admin opens the ended session’s recording and reads the member’s query', async () => {
    // The gateway uploads the rest of the recording as the session ends.
    await waitForPamSession(
      stack,
      sessionId,
      (s) => s.status === 'ended' && (s.events ?? []).some((e) => e.input.includes(MARKER)),
    );
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page
      .getByRole('row')
      .filter({ hasText: 'prod/orders-db' })
      .getByRole('link', { name: /^Review \d+ events?$/ })
      .click();
    await page.getByRole('heading', { name: 'Session prod/orders-db' }).waitFor();
    await page.getByText(MARKER_QUERY).waitFor();
    await page.getByText('pg_sleep(120)').first().waitFor();
    expect(await page.locator('body').innerText()).not.toContain(DB_PASSWORD);
    await shot('04-recording');
  });
});
