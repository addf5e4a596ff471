/**
 * The web console in a real browser (issue 19): Debian's Chromium, headless and kept off the
 * network, driven by playwright-core against a control plane listening on loopback, with a
 * stand-in relay and gateway built from the certificates it issued (support/fake-relay-gateway.ts)
 * so the gateway turns healthy and the connection test runs through a tunnel.
 *
 * A person signs in, sees the gateway healthy, runs a connection test, reads identities and PAM,
 * and reviews recordings that a hostile target wrote: a PostgreSQL session whose query text and
 * result are HTML and script, an SSH session whose terminal output is, and an HTTP session whose
 * response body is. Nothing of it may become markup or run. An auditor reads a recording and no
 * credential; a member with a grant sees their own session and not the admin's on the same
 * accounts; a person signs in and changes page with the keyboard alone. Screenshots of each page go to .burrow/console-screenshots/ (looked at
 * by people; the assertions are on visible content). The browser is stopped by its PID.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  startHeadlessChromium,
  startPostgres,
  type HeadlessChromium,
  type PostgresServer,
} from '@burrow/test-support';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { psqlAs } from './support/psql-login.ts';
import { FakeRelayGateway } from './support/fake-relay-gateway.ts';
import { registerFakeRelayGateway } from './support/org-setup.ts';
import {
  auth,
  bootstrap,
  startTestControlPlane,
  type Bootstrapped,
  type TestControlPlane,
} from './support/test-control-plane.ts';

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
let chromium: HeadlessChromium;
let browser: Browser;
let page: Page;
let postgresSessionId: string;
let sshSessionId: string;
let gatewayId: string;
/** The stand-in gateway's token: it uploads the recordings the pages show. */
let gatewayToken: string;
let ordersResourceId: string;

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

async function shot(name: string, of: Page = page): Promise<void> {
  await of.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
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

  // And the relay's, with the version burrow-relay sends (shown beside its certificate expiry).
  await ok(
    registered.relay.token,
    'POST',
    '/api/v1/relays/heartbeat-org-relay',
    { name: 'relay-eu' },
    { 'x-burrow-agent-version': 'burrow-relay/0.1.0' },
  );

  gatewayId = registered.gatewayId;
  gatewayToken = gatewayIdentity.token;

  // Two recorded sessions whose text a hostile target wrote.
  const db = await ok<{ resource: { id: string } }>(admin.token, 'POST', '/api/v1/pam/resources', {
    name: 'orders',
    resourceType: 'postgres',
    gatewayId: registered.gatewayId,
    connectionDetails: { host: 'db.internal', port: 5432, database: 'orders' },
  });
  ordersResourceId = db.resource.id;
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
  chromium = await startHeadlessChromium();
  browser = chromium.browser;
  page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
  page.setDefaultTimeout(20_000);
}, 120_000);

afterAll(async () => {
  await chromium?.stop();
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
    const row = section('Gateways').getByRole('row').filter({ hasText: 'gateway-eu' });
    await expectVisible(row.getByText('healthy', { exact: true }));
    await expectVisible(row.getByText('relay-eu (127.0.0.1)'));
    await expectVisible(row.getByText('burrow-gateway/0.1.0'));
    await expectVisible(row.getByText(/^in 2[34] h$/));
    // The relay: its version, when its certificates expire (the TLS one, a day) and its gateway.
    const relayRow = section('Relays').getByRole('row').filter({ hasText: 'SSH 2299' });
    await expectVisible(relayRow.getByText('relay-eu', { exact: true }));
    await expectVisible(relayRow.getByText('burrow-relay/0.1.0'));
    await expectVisible(relayRow.getByText(/^in 2[34] h$/));
    await expectVisible(relayRow.getByRole('cell', { name: 'gateway-eu', exact: true }));
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
    await expectVisible(page.getByRole('cell', { name: 'prod/orders-db', exact: true }));
    await expectVisible(page.getByRole('cell', { name: 'deploy (password)' }));
    await shot('04-pam');
    const text = await page.locator('body').innerText();
    expect(text).not.toContain('never-shown');
  });

  it('shows a hostile database session’s queries and results as text, never as markup', async () => {
    await page.getByRole('link', { name: 'Sessions' }).click();
    // The link is the sessions page's own: the PAM page just left has a prod/orders-db row too.
    await expectVisible(
      page
        .getByRole('row')
        .filter({ hasText: 'prod/orders-db' })
        .getByRole('link', { name: /Review 2 events/ }),
    );
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

describe('PAM inventory from the console (admin), against a real PostgreSQL', () => {
  const P0 = 'scratch-initial-password';
  let postgres: PostgresServer;

  beforeAll(async () => {
    postgres = await startPostgres();
    await postgres.sql('CREATE DATABASE scratch');
    await postgres.sql(
      [
        `CREATE ROLE scratch_app WITH LOGIN PASSWORD '${P0}';`,
        `CREATE ROLE vault_admin WITH LOGIN CREATEROLE PASSWORD '${P0}-admin';`,
        'GRANT pg_signal_backend TO vault_admin;',
      ].join('\n'),
      'scratch',
    );
  }, 60_000);

  afterAll(async () => {
    await postgres?.stop();
  });

  it('adds a resource and an account, grants it, edits, rotates the password in the database and deletes them', async () => {
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.getByRole('link', { name: 'PAM' }).click();

    const addResource = page.getByRole('form', { name: 'Add a resource' });
    await addResource.getByLabel('Name', { exact: true }).fill('scratch');
    await addResource.getByLabel('Gateway').selectOption({ label: 'gateway-eu' });
    await addResource.getByLabel('Host').fill('127.0.0.1');
    await addResource.getByLabel('Port').fill(String(postgres.port));
    await addResource.getByLabel('Database').fill('scratch');
    await addResource.getByRole('button', { name: 'Add resource' }).click();
    await expectVisible(page.getByText('Resource scratch added.'));
    await expectVisible(page.getByRole('cell', { name: `127.0.0.1:${postgres.port} / scratch` }));

    const addAccount = page.getByRole('form', { name: 'Add an account' });
    await addAccount.getByLabel('Resource').selectOption({ label: 'scratch (postgres)' });
    await addAccount.getByLabel('Folder').fill('lab');
    await addAccount.getByLabel('Name', { exact: true }).fill('scratch-app');
    await addAccount.getByLabel('Username').fill('scratch_app');
    await addAccount.getByLabel('Password').fill(P0);
    await addAccount.getByRole('button', { name: 'Add account' }).click();
    await expectVisible(page.getByText('Account lab/scratch-app added.'));

    const grant = page.getByRole('form', { name: 'Grant access' });
    await grant.getByLabel('Identity').selectOption({ label: `${ADMIN.email} (admin)` });
    await grant.getByLabel('Account or folder').fill('lab/scratch-app');
    await grant.getByRole('button', { name: 'Grant' }).click();
    await expectVisible(page.getByText(`${ADMIN.email} may now open lab/scratch-app.`));
    await expectVisible(page.getByRole('row').filter({ hasText: 'lab/scratch-app' }).nth(1));

    // A resource that still has accounts is kept, and the page says why.
    await page.getByRole('button', { name: 'Delete orders', exact: true }).click();
    await expectVisible(
      page.getByRole('alert').filter({ hasText: 'PAM resource orders still has 1 account' }),
    );

    // Rotate: the control plane changes the password in PostgreSQL through the gateway.
    await page.getByRole('button', { name: 'Rotate the password of lab/scratch-app' }).click();
    await expectVisible(page.getByText('Password of lab/scratch-app rotated in the database.'));
    const oldPassword = await psqlAs(postgres.port, 'scratch', 'scratch_app', P0, 'SELECT 1');
    expect(oldPassword.code).not.toBe(0);
    expect(oldPassword.stderr).toMatch(/password authentication failed/);
    await shot('08-pam-admin');

    // Edit the resource's target (new sessions only).
    await page.getByRole('button', { name: 'Edit scratch' }).click();
    const edit = page.getByRole('form', { name: 'Edit scratch' });
    await edit.getByLabel('Database').fill('postgres');
    await edit.getByRole('button', { name: 'Save' }).click();
    await expectVisible(page.getByRole('cell', { name: `127.0.0.1:${postgres.port} / postgres` }));

    // Delete the account (its grant on exactly that path goes too), then the resource.
    await page.getByRole('button', { name: 'Delete lab/scratch-app' }).click();
    await expectVisible(page.getByText('Account lab/scratch-app deleted'));
    await page.getByRole('button', { name: 'Delete scratch' }).click();
    await expectVisible(page.getByText('Resource scratch deleted.'));
    const grants = await ok<{ grants: { path: string }[] }>(
      admin.token,
      'GET',
      '/api/v1/pam/grants',
    );
    expect(grants.grants.map((g) => g.path)).not.toContain('lab/scratch-app');
    expect(await page.locator('body').innerText()).not.toContain(P0);
  });

  it('adds ssh key and certificate accounts, http token accounts and a kubernetes account; replaces a token; shows no secret', async () => {
    const SECRETS = {
      privateKey: generateKeyPairSync('ed25519').privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      }) as string,
      bearer: 'never-shown-bearer-token',
      header: 'never-shown-header-token',
      serviceAccount: 'never-shown-sa-token',
      replaced: 'never-shown-replaced-token',
    };
    const addResource = page.getByRole('form', { name: 'Add a resource' });
    for (const [name, type, url] of [
      ['wiki', 'http', 'https://wiki.internal'],
      ['cluster', 'kubernetes', 'https://10.0.0.10:6443'],
    ] as const) {
      await addResource.getByLabel('Name', { exact: true }).fill(name);
      await addResource.getByLabel('Type').selectOption(type);
      await addResource.getByLabel('Gateway').selectOption({ label: 'gateway-eu' });
      await addResource.getByLabel('URL').fill(url);
      await addResource.getByRole('button', { name: 'Add resource' }).click();
      await expectVisible(page.getByText(`Resource ${name} added.`));
    }

    const addAccount = page.getByRole('form', { name: 'Add an account' });
    const add = async (
      resource: string,
      name: string,
      username: string,
      method: string | undefined,
      fields: Record<string, string>,
    ) => {
      await addAccount.getByLabel('Resource').selectOption({ label: resource });
      await addAccount.getByLabel('Folder').fill('kinds');
      await addAccount.getByLabel('Name', { exact: true }).fill(name);
      await addAccount.getByLabel(/^(Username|Service account)$/).fill(username);
      if (method) await addAccount.getByLabel('Logs in with').selectOption({ label: method });
      for (const [label, value] of Object.entries(fields)) {
        await addAccount.getByLabel(label, { exact: true }).fill(value);
      }
      await addAccount.getByRole('button', { name: 'Add account' }).click();
      await expectVisible(page.getByText(`Account kinds/${name} added.`));
    };
    await add('bastion (ssh)', 'ssh-key', 'ops', 'public key', {
      'Private key (OpenSSH or PEM, no passphrase)': SECRETS.privateKey,
    });
    await add('bastion (ssh)', 'ssh-cert', 'ops', 'certificate', {});
    await add('wiki (http)', 'wiki-bearer', 'bot', 'bearer token', { Token: SECRETS.bearer });
    await add('wiki (http)', 'wiki-header', 'bot', 'token in a header', {
      'Header name': 'X-Api-Key',
      Token: SECRETS.header,
    });
    await add('cluster (kubernetes)', 'viewer', 'viewer', undefined, {
      Token: SECRETS.serviceAccount,
    });
    const accounts = section('Accounts');
    for (const [path, type, logsInAs] of [
      ['kinds/ssh-key', 'ssh', 'ops (public-key)'],
      ['kinds/ssh-cert', 'ssh', 'ops (certificate)'],
      ['kinds/wiki-bearer', 'http', 'bot (bearer)'],
      ['kinds/wiki-header', 'http', 'bot (header)'],
      ['kinds/viewer', 'kubernetes', 'viewer (service-account-token)'],
    ]) {
      const row = accounts.getByRole('row').filter({ hasText: path as string });
      await expectVisible(row.getByRole('cell', { name: type as string, exact: true }));
      await expectVisible(row.getByRole('cell', { name: logsInAs as string, exact: true }));
    }

    // Replace the kubernetes token: the form says one is set and shows nothing of it.
    await page.getByRole('button', { name: 'Replace the credentials of kinds/viewer' }).click();
    const replace = page.getByRole('form', { name: 'Replace the credentials of kinds/viewer' });
    const token = replace.getByLabel('Token', { exact: true });
    expect(await token.inputValue()).toBe('');
    expect(await token.getAttribute('placeholder')).toBe('set — type to replace');
    expect(await token.getAttribute('type')).toBe('password');
    await shot('14-pam-replace-credentials');
    await token.fill(SECRETS.replaced);
    await replace.getByRole('button', { name: 'Save' }).click();
    await expectVisible(page.getByText('New credentials of kinds/viewer stored'));
    // Switch the ssh certificate account to a password: the method changes, the kind is shown.
    await page.getByRole('button', { name: 'Replace the credentials of kinds/ssh-cert' }).click();
    const toPassword = page.getByRole('form', {
      name: 'Replace the credentials of kinds/ssh-cert',
    });
    await toPassword.getByLabel('Logs in with').selectOption({ label: 'password' });
    await toPassword.getByLabel('Password', { exact: true }).fill('never-shown-switched');
    await toPassword.getByRole('button', { name: 'Save' }).click();
    await expectVisible(
      accounts
        .getByRole('row')
        .filter({ hasText: 'kinds/ssh-cert' })
        .getByRole('cell', { name: 'ops (password)', exact: true }),
    );
    await shot('13-pam-account-kinds');

    const text = await page.locator('body').innerText();
    expect(text).not.toContain('never-shown');
    expect(text).not.toContain('PRIVATE KEY');
    const html = await page.content();
    for (const secret of Object.values(SECRETS)) expect(html).not.toContain(secret.trim());
  });

  it('shows dynamic-secret leases and the audit log (read-only)', async () => {
    await ok(admin.token, 'POST', '/api/v1/dynamic-secrets', {
      name: 'scratch-ro',
      provider: {
        type: 'sql-database',
        inputs: {
          client: 'postgres',
          gatewayId,
          host: '127.0.0.1',
          port: postgres.port,
          database: 'scratch',
          username: 'vault_admin',
          password: `${P0}-admin`,
        },
      },
      defaultTTL: '10m',
      maxTTL: '1h',
    });
    const { lease } = await ok<{ lease: { externalEntityId: string } }>(
      admin.token,
      'POST',
      '/api/v1/dynamic-secrets/leases',
      { dynamicSecretName: 'scratch-ro' },
    );
    await page.getByRole('link', { name: 'Leases' }).click();
    const row = page.getByRole('row').filter({ hasText: lease.externalEntityId });
    await expectVisible(row.getByText('active', { exact: true }));
    await expectVisible(row.getByText(/^in 10 min$/));
    await shot('09-leases');

    await page.getByRole('link', { name: 'Audit log' }).click();
    const rotation = page
      .getByRole('row')
      .filter({ hasText: 'rotate-pam-account-password' })
      .filter({ hasText: 'lab/scratch-app' });
    await expectVisible(rotation.getByText('success', { exact: true }));
    await expectVisible(
      page.getByRole('row').filter({ hasText: 'create-dynamic-secret-lease' }).first(),
    );
    // The console's own changes and sign-ins: the admin's wrong password at the start, its
    // sign-ins, the accounts it added and the token it replaced (no secret in any of them).
    const signIns = page.getByRole('row').filter({ hasText: 'user-sign-in' });
    await expectVisible(
      signIns.filter({ hasText: 'not signed in' }).filter({ hasText: 'wrong password' }).first(),
    );
    await expectVisible(signIns.filter({ hasText: 'via: console' }).first());
    await expectVisible(
      page
        .getByRole('row')
        .filter({ hasText: 'create-pam-account' })
        .filter({ hasText: 'kinds/viewer' })
        .getByText('authMethod: service-account-token', { exact: false }),
    );
    await expectVisible(
      page
        .getByRole('row')
        .filter({ hasText: 'update-pam-account' })
        .filter({ hasText: 'kinds/viewer' })
        .getByText('credentialsReplaced: yes', { exact: false }),
    );
    await expectVisible(
      page
        .getByRole('row')
        .filter({ hasText: 'create-pam-grant' })
        .filter({ hasText: 'lab/scratch-app' }),
    );
    expect(await page.locator('body').innerText()).not.toContain('never-shown');
    await shot('10-audit-log');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expectVisible(page.getByRole('heading', { name: 'Sign in to Burrow' }));
  });
});

describe('roles in the browser: an auditor and members see what their role allows; the server refuses the rest', () => {
  const GRANTEE_QUERY = 'SELECT total FROM monthly_report';
  let people: Record<
    'auditor' | 'member' | 'grantee',
    { email: string; password: string; identityId: string }
  >;
  let granteeSessionId: string;
  let context: BrowserContext;
  let other: Page;

  beforeAll(async () => {
    const make = async (role: 'auditor' | 'member', email = `${role}@example.com`) => {
      const { initialPassword, identity } = await ok<{
        initialPassword: string;
        identity: { id: string };
      }>(admin.token, 'POST', '/api/v1/users', { organizationId: admin.orgId, email, role });
      return { email, password: initialPassword, identityId: identity.id };
    };
    people = {
      auditor: await make('auditor'),
      member: await make('member'),
      grantee: await make('member', 'grantee@example.com'),
    };

    // The grantee: a member granted all of prod/, with a recorded session of their own on
    // prod/reports-db. The admin's session on prod/orders-db is in that same folder: a grant on
    // an account is not a view of other people's sessions on it.
    await ok(admin.token, 'POST', '/api/v1/pam/accounts', {
      resourceId: ordersResourceId,
      name: 'reports-db',
      folderPath: 'prod',
      credentials: { username: 'reports', password: 'never-shown-reports-password' },
    });
    await ok(admin.token, 'POST', '/api/v1/pam/grants', {
      identityId: people.grantee.identityId,
      path: 'prod/',
    });
    const login = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/auth/user/login',
      payload: { email: people.grantee.email, password: people.grantee.password },
    });
    expect(login.statusCode).toBe(200);
    const granteeToken = login.json<{ accessToken: string }>().accessToken;
    granteeSessionId = (
      await ok<{ sessionId: string }>(granteeToken, 'POST', '/api/v1/pam/accounts/access', {
        path: 'prod/reports-db',
        duration: '1h',
      })
    ).sessionId;
    await ok(
      gatewayToken,
      'POST',
      `/api/v1/pam/sessions/${granteeSessionId}/event-batches?startOffset=0`,
      [{ timestamp: new Date().toISOString(), input: GRANTEE_QUERY, output: 'SELECT 1' }],
    );
  });

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1366, height: 800 } });
    other = await context.newPage();
    other.setDefaultTimeout(20_000);
  });

  afterEach(async () => {
    await context.close();
  });

  it('an auditor reads inventory, every session and the audit log, with no button that changes anything', async () => {
    await signIn(other, people.auditor.email, people.auditor.password);
    const nav = other.getByRole('navigation', { name: 'Pages' });
    await expectVisible(nav.getByRole('link', { name: 'Audit log' }));
    expect(await nav.getByRole('link', { name: 'Identities' }).count()).toBe(0);
    await expectVisible(
      other.getByRole('row').filter({ hasText: 'gateway-eu' }).filter({ hasText: 'healthy' }),
    );
    expect(await other.getByRole('button', { name: 'Test' }).count()).toBe(0);

    await other.getByRole('link', { name: 'PAM' }).click();
    await expectVisible(other.getByRole('cell', { name: 'prod/orders-db', exact: true }));
    await expectVisible(other.getByRole('heading', { name: 'Resources' }));
    expect(await other.getByRole('form').count()).toBe(0);
    expect(
      await other.getByRole('button', { name: /Delete|Rotate|Revoke|Edit|Replace/ }).count(),
    ).toBe(0);
    expect(await other.locator('body').innerText()).not.toContain('never-shown');
    await shot('11-pam-auditor', other);

    await other.getByRole('link', { name: 'Sessions' }).click();
    await expectVisible(other.getByRole('row').filter({ hasText: 'prod/orders-db' }));
    expect(await other.getByRole('button', { name: /End/ }).count()).toBe(0);

    // The same changes, sent straight to the API with the auditor's cookie and CSRF token.
    expect(
      await attack(other, 'POST', '/api/v1/pam/resources', {
        name: 'sneaky',
        resourceType: 'postgres',
        gatewayId,
        connectionDetails: { host: '127.0.0.1', port: 5432, database: 'x' },
      }),
    ).toBe(403);
    expect(await attack(other, 'POST', `/api/v1/pam/sessions/${postgresSessionId}/end`, {})).toBe(
      403,
    );
  });

  it('an auditor opens a PostgreSQL recording: the queries and results, no credential anywhere', async () => {
    await signIn(other, people.auditor.email, people.auditor.password);
    await other.getByRole('link', { name: 'Sessions' }).click();
    await other
      .getByRole('row')
      .filter({ hasText: 'prod/orders-db' })
      .getByRole('link', { name: 'Review 2 events' })
      .click();
    await expectVisible(other.getByRole('heading', { name: 'Session prod/orders-db' }));
    await expectVisible(other.getByText('SELECT count(*) FROM orders', { exact: true }));
    await expectVisible(other.getByText(HOSTILE_QUERY));
    await expectVisible(other.getByText(HOSTILE_RESULT));
    await shot('15-postgres-recording-auditor', other);
    expect(await other.locator('body').innerText()).not.toContain('never-shown');
    expect(await other.content()).not.toContain('never-shown');
    // What the page was given, and what the auditor could ask for by hand: no password in the
    // session or the accounts, and the gateway's credentials route is not theirs to call.
    const asAuditor = (url: string) =>
      other.evaluate(
        (url) => fetch(url).then(async (r) => ({ status: r.status, body: await r.text() })),
        url,
      );
    for (const url of [`/api/v1/pam/sessions/${postgresSessionId}`, '/api/v1/pam/accounts']) {
      const answer = await asAuditor(url);
      expect(answer.status).toBe(200);
      expect(answer.body).not.toContain('never-shown');
    }
    const credentials = await asAuditor(`/api/v1/pam/sessions/${postgresSessionId}/credentials`);
    expect(credentials.status).toBe(403);
    expect(credentials.body).not.toContain('never-shown');
  });

  it('a member with a grant sees their own session and its recording, not another person’s on the same accounts', async () => {
    await signIn(other, people.grantee.email, people.grantee.password);
    await other.getByRole('link', { name: 'PAM' }).click();
    await expectVisible(other.getByRole('cell', { name: 'prod/orders-db', exact: true }));
    await expectVisible(other.getByRole('cell', { name: 'prod/reports-db', exact: true }));

    await other.getByRole('link', { name: 'Sessions' }).click();
    const mine = other.getByRole('row').filter({ hasText: 'prod/reports-db' });
    await expectVisible(mine.getByRole('cell', { name: 'grantee@example.com (you)' }));
    // The admin's sessions (one on prod/orders-db, granted to this member too) are not listed.
    expect(await other.getByRole('row').filter({ hasText: 'prod/orders-db' }).count()).toBe(0);
    expect(await other.getByRole('row').filter({ hasText: 'ops/deploy' }).count()).toBe(0);
    expect(await other.getByRole('row').count()).toBe(2); // the header and their own session
    await shot('16-sessions-member', other);

    await mine.getByRole('link', { name: 'Review 1 event' }).click();
    await expectVisible(other.getByText(GRANTEE_QUERY, { exact: true }));
    expect(await other.locator('body').innerText()).not.toContain('never-shown');

    // Someone else's session by its address: refused in the server's words, nothing of it shown.
    const refusal = await other.evaluate(
      (url) =>
        fetch(url).then(async (r) => ({
          status: r.status,
          message: ((await r.json()) as { message: string }).message,
        })),
      `/api/v1/pam/sessions/${postgresSessionId}`,
    );
    expect(refusal.status).toBe(403);
    await other.goto(`${baseUrl}/console/#/sessions/${postgresSessionId}`);
    await expectVisible(other.getByRole('alert').filter({ hasText: refusal.message }));
    expect(await other.getByText('SELECT count(*) FROM orders').count()).toBe(0);
    expect(
      await other.evaluate((url) => fetch(url).then((r) => r.json()), '/api/v1/pam/sessions'),
    ).toEqual({ sessions: [expect.objectContaining({ id: granteeSessionId })] });
  });

  it('a member without a grant sees no account, no resource and no one else’s session; its direct POSTs get 403', async () => {
    await signIn(other, people.member.email, people.member.password);
    const nav = other.getByRole('navigation', { name: 'Pages' });
    expect(await nav.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
    expect(await nav.getByRole('link', { name: 'Identities' }).count()).toBe(0);

    await other.getByRole('link', { name: 'PAM' }).click();
    await expectVisible(other.getByText('No account is granted to you. Ask an admin for a grant.'));
    expect(await other.getByRole('heading', { name: 'Resources' }).count()).toBe(0);
    expect(await other.getByText('prod/orders-db').count()).toBe(0);
    await shot('12-pam-member', other);

    await other.getByRole('link', { name: 'Sessions' }).click();
    await expectVisible(other.getByText('No PAM session yet.'));
    expect(await other.getByText('prod/orders-db').count()).toBe(0);

    // The attack: a valid cookie and CSRF token, the admin's requests typed by hand.
    const me = await other.evaluate(
      "fetch('/api/v1/console/session').then((r) => r.json()).then((s) => s.identity.id)",
    );
    expect(
      await attack(other, 'POST', '/api/v1/pam/grants', { identityId: me, path: 'prod/' }),
    ).toBe(403);
    const accounts = await ok<{ accounts: { id: string; path: string }[] }>(
      admin.token,
      'GET',
      '/api/v1/pam/accounts',
    );
    const orders = accounts.accounts.find((a) => a.path === 'prod/orders-db');
    expect(await attack(other, 'DELETE', `/api/v1/pam/accounts/${orders?.id}`)).toBe(403);
    // Token accounts as the console's admin form makes them, and replacing one's token.
    const cluster = await ok<{ resources: { id: string; name: string }[] }>(
      admin.token,
      'GET',
      '/api/v1/pam/resources',
    );
    const clusterId = cluster.resources.find((r) => r.name === 'cluster')?.id;
    expect(clusterId).toBeDefined();
    expect(
      await attack(other, 'POST', '/api/v1/pam/accounts', {
        resourceId: clusterId,
        name: 'mine',
        credentials: { username: 'cluster-admin', token: 'stolen-token' },
      }),
    ).toBe(403);
    const viewer = accounts.accounts.find((a) => a.path === 'kinds/viewer');
    expect(viewer).toBeDefined();
    expect(
      await attack(other, 'PATCH', `/api/v1/pam/accounts/${viewer?.id}`, {
        credentials: { token: 'member-token' },
      }),
    ).toBe(403);
    const unchanged = await ok<{ accounts: { path: string }[] }>(
      admin.token,
      'GET',
      '/api/v1/pam/accounts',
    );
    expect(unchanged.accounts.map((a) => a.path)).not.toContain('mine');
    expect(
      await attack(other, 'POST', '/api/v1/users', {
        organizationId: admin.orgId,
        email: 'mallory@example.com',
        role: 'admin',
      }),
    ).toBe(403);
    // Still there, still the admin's only.
    const after = await ok<{ grants: { identityId: string }[] }>(
      admin.token,
      'GET',
      '/api/v1/pam/grants',
    );
    expect(after.grants.map((g) => g.identityId)).not.toContain(me);
  });
});

describe('an HTTP session’s recording in the console', () => {
  const TOKEN = 'never-shown-intranet-token';
  let httpSessionId: string;

  beforeAll(async () => {
    const web = await ok<{ resource: { id: string } }>(
      admin.token,
      'POST',
      '/api/v1/pam/resources',
      {
        name: 'intranet',
        resourceType: 'http',
        gatewayId,
        connectionDetails: { url: 'https://intranet.internal:8443' },
      },
    );
    await ok(admin.token, 'POST', '/api/v1/pam/accounts', {
      resourceId: web.resource.id,
      name: 'intranet-bot',
      folderPath: 'web',
      credentials: { username: 'bot', authMethod: 'bearer', token: TOKEN },
    });
    httpSessionId = (
      await ok<{ sessionId: string }>(admin.token, 'POST', '/api/v1/pam/accounts/access', {
        path: 'web/intranet-bot',
        duration: '1h',
      })
    ).sessionId;
    // One exchange as the gateway records it (apps/gateway/src/pam/http/http-exchange-recording.ts):
    // credential headers already [MASKED], bodies base64; the response body is markup.
    const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
    const t0 = Date.now() - 30_000;
    await ok(
      gatewayToken,
      'POST',
      `/api/v1/pam/sessions/${httpSessionId}/event-batches?startOffset=0`,
      [
        {
          timestamp: new Date(t0).toISOString(),
          eventType: 'request',
          requestId: '7',
          method: 'POST',
          url: '/api/orders?status=open',
          headers: { Accept: ['application/json'], Authorization: ['[MASKED]'] },
          body: b64('{"note":"rush"}'),
          bodyTruncated: false,
        },
        {
          timestamp: new Date(t0 + 12).toISOString(),
          eventType: 'response',
          requestId: '7',
          status: 201,
          headers: { 'Content-Type': ['text/html'], 'Set-Cookie': ['[MASKED]'] },
          body: b64('<b>created</b><img src=x onerror="window.__pwned=\'http\'">'),
          bodyTruncated: false,
          elapsedMs: 12,
        },
      ],
    );
    await ok(gatewayToken, 'POST', `/api/v1/pam/sessions/${httpSessionId}/end`, {});
  });

  it('shows each request and response: method, URL, status, masked credential headers, body as text', async () => {
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.getByRole('link', { name: 'Sessions' }).click();
    await page
      .getByRole('row')
      .filter({ hasText: 'web/intranet-bot' })
      .getByRole('link', { name: 'Review 2 events' })
      .click();
    await expectVisible(page.getByRole('heading', { name: 'Session web/intranet-bot' }));
    const request = page
      .locator('pre.recorded')
      .filter({ hasText: 'POST /api/orders?status=open' });
    await expectVisible(request);
    expect(await request.innerText()).toContain('Authorization: [MASKED]');
    expect(await request.innerText()).toContain('body (15 bytes shown): {"note":"rush"}');
    const response = page.locator('pre.recorded').filter({ hasText: '← 201' });
    await expectVisible(response);
    expect(await response.innerText()).toContain('(request 7, 12 ms)');
    expect(await response.innerText()).toContain('Set-Cookie: [MASKED]');
    expect(await response.innerText()).toContain('<b>created</b>');
    expect(await page.locator('main img, main b').count()).toBe(0);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(await page.content()).not.toContain(TOKEN);
    await shot('17-http-recording');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expectVisible(page.getByRole('heading', { name: 'Sign in to Burrow' }));
  });
});

describe('keyboard only', () => {
  it('signs in and moves between pages with Tab and Enter, the focus visible', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 800 } });
    try {
      const keys = await context.newPage();
      keys.setDefaultTimeout(20_000);
      await keys.goto(`${baseUrl}/console/`);
      await tabTo(keys, keys.getByLabel('Email'));
      await keys.keyboard.type(ADMIN.email);
      await tabTo(keys, keys.getByLabel('Password'));
      await keys.keyboard.type(ADMIN.password);
      await keys.keyboard.press('Enter');
      await expectVisible(keys.getByRole('button', { name: 'Sign out' }));
      await expectVisible(keys.getByRole('heading', { name: 'Gateways', exact: true }));

      const nav = keys.getByRole('navigation', { name: 'Pages' });
      await tabTo(keys, nav.getByRole('link', { name: 'PAM' }));
      // Where the focus is can be seen: the console's :focus-visible outline, not the default.
      expect(await keys.evaluate('getComputedStyle(document.activeElement).outlineStyle')).toBe(
        'solid',
      );
      await keys.keyboard.press('Enter');
      await expectVisible(keys.getByRole('heading', { name: 'Accounts', exact: true }));
      expect(new URL(keys.url()).hash).toBe('#/pam');

      await tabTo(keys, nav.getByRole('link', { name: 'Sessions' }));
      await keys.keyboard.press('Enter');
      await expectVisible(keys.getByRole('row').filter({ hasText: 'prod/orders-db' }));
      expect(new URL(keys.url()).hash).toBe('#/sessions');
      await shot('18-keyboard-sessions', keys);
    } finally {
      await context.close();
    }
  });
});

/** Presses Tab until `target` has the focus (a bounded number of times). */
async function tabTo(of: Page, target: ReturnType<Page['locator']>): Promise<void> {
  for (let presses = 0; presses < 40; presses += 1) {
    if ((await target.and(of.locator(':focus')).count()) === 1) return;
    await of.keyboard.press('Tab');
  }
  throw new Error(`40 presses of Tab never reached ${target.toString()}`);
}

async function signIn(target: Page, email: string, password: string): Promise<void> {
  await target.goto(`${baseUrl}/console/`);
  await target.getByLabel('Email').fill(email);
  await target.getByLabel('Password').fill(password);
  await target.getByRole('button', { name: 'Sign in' }).click();
  await expectVisible(target.getByRole('button', { name: 'Sign out' }));
}

/**
 * A request typed by hand in the signed-in page: the browser sends the session cookie, the
 * X-CSRF-Token is the session's own. Resolves with the HTTP status.
 */
async function attack(target: Page, method: string, url: string, body?: unknown): Promise<number> {
  return target.evaluate(
    async ({ method, url, body }) => {
      const session = (await (await fetch('/api/v1/console/session')).json()) as {
        csrfToken: string;
      };
      const answer = await fetch(url, {
        method,
        headers: {
          'x-csrf-token': session.csrfToken,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return answer.status;
    },
    { method, url, body },
  );
}

/** The page's section under the heading `title`. */
function section(title: string, of: Page = page): ReturnType<Page['locator']> {
  return of.locator('section', { has: of.getByRole('heading', { name: title, exact: true }) });
}

async function expectVisible(locator: ReturnType<Page['locator']>): Promise<void> {
  await locator.waitFor({ state: 'visible' });
}
