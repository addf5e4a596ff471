/**
 * The web console in a real browser (issue 19): Debian's Chromium, headless and kept off the
 * network, driven by playwright-core against a control plane listening on loopback, with a
 * stand-in relay and gateway built from the certificates it issued (support/fake-relay-gateway.ts)
 * so the gateway turns healthy and the connection test runs through a tunnel.
 *
 * A person signs in, sees the gateway healthy, runs a connection test, reads identities and PAM,
 * and reviews recordings that a hostile target wrote: a PostgreSQL session whose query text and
 * result are HTML and script, and an SSH session whose terminal output is. Nothing of it may
 * become markup or run. Screenshots of each page go to .burrow/console-screenshots/ (looked at
 * by people; the assertions are on visible content). The browser is stopped by its PID.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserServer, type Page } from 'playwright-core';
import { FakeRelayGateway } from './support/fake-relay-gateway.ts';
import { registerFakeRelayGateway } from './support/org-setup.ts';
import {
  auth,
  bootstrap,
  startTestControlPlane,
  type Bootstrapped,
  type TestControlPlane,
} from './support/test-control-plane.ts';

const CHROMIUM = process.env.BURROW_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOTS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../.burrow/console-screenshots',
);
const ADMIN = { email: 'admin@example.com', password: 'correct horse battery' };
const HOSTILE_QUERY = `SELECT '<img src=x onerror="window.__pwned='query'">' AS bait`;
const HOSTILE_RESULT = `<script>window.__pwned='result'</script> (1 row)`;
const HOSTILE_TERMINAL = `\u001b[1;32mdeploy@bastion\u001b[0m:~$ echo ok\r\nok <b>bold?</b><img src=x onerror="window.__pwned='terminal'">\r\n`;

let cp: TestControlPlane;
let admin: Bootstrapped;
let baseUrl: string;
let fake: FakeRelayGateway;
let echo: net.Server;
let server: BrowserServer;
let browser: Browser;
let browserPid: number | undefined;
let page: Page;
let postgresSessionId: string;
let sshSessionId: string;

async function ok<T>(
  token: string,
  method: string,
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const res = await cp.app.inject({
    method: method as 'GET',
    url,
    headers: { ...auth(token), ...headers },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  if (res.statusCode !== 200) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json<T>();
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  cp = await startTestControlPlane();
  admin = await bootstrap(cp);
  await cp.app.listen({ host: '127.0.0.1', port: 0 });
  const address = cp.app.server.address() as net.AddressInfo;
  baseUrl = `http://127.0.0.1:${address.port}`;

  // A relay and a gateway (stand-ins holding the certificates the control plane issued).
  fake = await FakeRelayGateway.start();
  echo = net.createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  const { gateway: gatewayIdentity, ...registered } = await registerFakeRelayGateway(
    cp,
    admin,
    fake,
    'gateway-eu',
    { relayName: 'relay-eu', relayIdentity: 'relay-eu', gatewayIdentity: 'gateway-eu' },
  );
  // Its heartbeat carries the version burrow-gateway sends (shown on the gateways page).
  await ok(
    gatewayIdentity.token,
    'POST',
    '/api/v2/gateways/heartbeat',
    {},
    {
      'x-burrow-agent-version': 'burrow-gateway/0.1.0',
    },
  );

  // Two recorded sessions whose text a hostile target wrote.
  const db = await ok<{ resource: { id: string } }>(admin.token, 'POST', '/api/v1/pam/resources', {
    name: 'orders',
    resourceType: 'postgres',
    gatewayId: registered.gatewayId,
    connectionDetails: { host: 'db.internal', port: 5432, database: 'orders' },
  });
  await ok(admin.token, 'POST', '/api/v1/pam/accounts', {
    resourceId: db.resource.id,
    name: 'orders-db',
    folderPath: 'prod',
    credentials: { username: 'app', password: 'never-shown-password' },
  });
  const shell = await ok<{ resource: { id: string } }>(
    admin.token,
    'POST',
    '/api/v1/pam/resources',
    {
      name: 'bastion',
      resourceType: 'ssh',
      gatewayId: registered.gatewayId,
      connectionDetails: {
        host: 'bastion.internal',
        port: 22,
        hostKeys: [
          'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl',
        ],
      },
    },
  );
  await ok(admin.token, 'POST', '/api/v1/pam/accounts', {
    resourceId: shell.resource.id,
    name: 'deploy',
    folderPath: 'ops',
    credentials: { username: 'deploy', authMethod: 'password', password: 'never-shown-either' },
  });
  postgresSessionId = (
    await ok<{ sessionId: string }>(admin.token, 'POST', '/api/v1/pam/accounts/access', {
      path: 'prod/orders-db',
      duration: '1h',
      reason: 'INC-42 <i>check</i>',
    })
  ).sessionId;
  sshSessionId = (
    await ok<{ sessionId: string }>(admin.token, 'POST', '/api/v1/pam/accounts/access', {
      path: 'ops/deploy',
      duration: '1h',
    })
  ).sessionId;
  const t0 = Date.now() - 60_000;
  const at = (ms: number) => new Date(t0 + ms).toISOString();
  await ok(
    gatewayIdentity.token,
    'POST',
    `/api/v1/pam/sessions/${postgresSessionId}/event-batches?startOffset=0`,
    [
      { timestamp: at(0), input: 'SELECT count(*) FROM orders', output: 'SELECT 1' },
      { timestamp: at(900), input: HOSTILE_QUERY, output: HOSTILE_RESULT },
    ],
  );
  const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  const terminal = { channelType: 'terminal', channelId: 0 };
  await ok(
    gatewayIdentity.token,
    'POST',
    `/api/v1/pam/sessions/${sshSessionId}/event-batches?startOffset=0`,
    [
      {
        ...terminal,
        timestamp: at(0),
        elapsedTime: 0,
        eventType: 'pty',
        cols: 80,
        rows: 12,
        term: 'xterm',
      },
      {
        ...terminal,
        timestamp: at(200),
        elapsedTime: 0.2,
        eventType: 'input',
        data: b64('echo ok\r'),
      },
      {
        ...terminal,
        timestamp: at(300),
        elapsedTime: 0.3,
        eventType: 'output',
        data: b64(HOSTILE_TERMINAL),
      },
    ],
  );
  await ok(gatewayIdentity.token, 'POST', `/api/v1/pam/sessions/${sshSessionId}/end`, {});

  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  server = await chromium.launchServer({
    executablePath: CHROMIUM,
    headless: true,
    // Off the network: no proxy discovery, no component updates or safe-browsing calls.
    args: [
      '--no-sandbox',
      '--no-proxy-server',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
  browserPid = server.process().pid;
  browser = await chromium.connect(server.wsEndpoint());
  page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
  page.setDefaultTimeout(20_000);
}, 120_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await server?.close().catch(() => undefined);
  if (browserPid !== undefined) {
    try {
      process.kill(browserPid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await fake?.close();
  echo?.close();
  await cp?.close();
});

describe('web console in Chromium', () => {
  it('refuses a wrong password in words, then signs the admin in and shows the healthy gateway', async () => {
    await page.goto(`${baseUrl}/console/`);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectVisible(page.getByRole('alert').filter({ hasText: 'Wrong email or password' }));
    await shot('01-sign-in-refused');

    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const row = page.getByRole('row').filter({ hasText: 'gateway-eu' });
    await expectVisible(row.getByText('healthy', { exact: true }));
    await expectVisible(row.getByText('relay-eu (127.0.0.1)'));
    await expectVisible(row.getByText('burrow-gateway/0.1.0'));
    await expectVisible(row.getByText(/^in 2[34] h$/));
    await expectVisible(page.getByRole('row').filter({ hasText: 'SSH 2299' }));
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'burrow_session')).toMatchObject({
      httpOnly: true,
      secure: true,
      sameSite: 'Strict',
    });
    expect(await page.evaluate('document.cookie')).toBe('');
  });

  it('tests a connection through the gateway from the page', async () => {
    const port = (echo.address() as net.AddressInfo).port;
    await page.getByLabel('Target host:port for gateway-eu').fill(`127.0.0.1:${port}`);
    await page.getByRole('button', { name: 'Test' }).click();
    await expectVisible(
      page.getByRole('status').filter({ hasText: /^Reachable \(tunnel open in/ }),
    );
    await shot('02-gateways');
  });

  it('lists identities and PAM accounts without any secret', async () => {
    await page.getByRole('link', { name: 'Identities' }).click();
    await expectVisible(page.getByRole('cell', { name: 'gateway-eu', exact: false }).first());
    await expectVisible(page.getByText('email and password'));
    await shot('03-identities');
    await page.getByRole('link', { name: 'PAM' }).click();
    await expectVisible(page.getByRole('cell', { name: 'prod/orders-db' }));
    await expectVisible(page.getByRole('cell', { name: 'deploy (password)' }));
    await shot('04-pam');
    const text = await page.locator('body').innerText();
    expect(text).not.toContain('never-shown');
  });

  it('shows a hostile database session’s queries and results as text, never as markup', async () => {
    await page.getByRole('link', { name: 'Sessions' }).click();
    await expectVisible(page.getByRole('row').filter({ hasText: 'prod/orders-db' }));
    await shot('05-sessions');
    await page
      .getByRole('row')
      .filter({ hasText: 'prod/orders-db' })
      .getByRole('link', { name: /Review 2 events/ })
      .click();
    await expectVisible(page.getByText(HOSTILE_QUERY));
    await expectVisible(page.getByText(HOSTILE_RESULT));
    await expectVisible(
      page.getByText('reason: INC-42 <i>check</i>').or(page.getByText('INC-42 <i>check</i>')),
    );
    expect(await page.locator('main img, main script, main i').count()).toBe(0);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    await shot('06-postgres-recording');
  });

  it('replays a hostile SSH session in the terminal player without running its output', async () => {
    await page.goto(`${baseUrl}/console/#/sessions/${sshSessionId}`);
    await expectVisible(page.getByRole('heading', { name: 'Terminal replay' }));
    await expectVisible(page.locator('.player .ap-player'));
    await expectVisible(page.getByText(/\[terminal#0\] \$ echo ok/));
    // Seek to the end so the frame shows the output, then look at the terminal's text.
    await page.locator('.player .ap-player').click();
    await page.keyboard.press('End');
    await expectVisible(page.locator('.player .ap-term').filter({ hasText: 'ok <b>bold?</b>' }));
    expect(await page.locator('main img, main b').count()).toBe(0);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    await shot('07-ssh-recording');
  });

  it('signs out: the cookie stops working and the sign-in form is back', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expectVisible(page.getByRole('heading', { name: 'Sign in to Burrow' }));
    const session = await page.evaluate(
      "fetch('/api/v1/console/session').then((answer) => answer.status)",
    );
    expect(session).toBe(401);
  });
});

async function expectVisible(locator: ReturnType<Page['locator']>): Promise<void> {
  await locator.waitFor({ state: 'visible' });
}
