/**
 * Issue 16 end to end from the real binaries on loopback (control plane, relay, gateway, `burrow`):
 *
 *   - the control plane checks a resource / account through the gateway before saving it
 *     (testConnection → infisical-connection-test): reachable, unreachable, wrong credentials;
 *   - a web application (Debian's nginx, basic auth over TLS): `burrow pam access` prints a local
 *     URL, curl gets the private page without knowing the password, `burrow pam sessions show`
 *     lists the recorded exchanges with the credential masked; headless Chromium (Debian's) opens
 *     the same local URL and shows the page, and the password is nowhere in what it got;
 *   - Kubernetes (a Kubernetes-API-shaped server checking the service-account token):
 *     `burrow pam access` makes a kubeconfig context current, plain kubectl works, and the previous
 *     context is back after Ctrl-C.
 * Every process is stopped by its PID in afterAll.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PlatformError, routes } from '@burrow/platform-api';
import { LocalStack, runBurrow, sleep, startBurrow, type ManagedProcess } from '../src/index.ts';
import {
  createSelfSignedCertificate,
  freePort,
  startKubernetesApiTarget,
  startHeadlessChromium,
  startNginx,
  startPostgres,
  type HeadlessChromium,
  type KubernetesApiTarget,
  type NginxTarget,
  type PostgresServer,
} from '@burrow/test-support';
import { createPamMember, loginWithBurrow } from './support/pam-setup.ts';

const NGINX_PASSWORD = `nginx-Pw-${crypto.randomBytes(8).toString('hex')}`;
const PG_PASSWORD = `pg-Pw-${crypto.randomBytes(8).toString('hex')}`;
const SA_TOKEN = `sa-token-${crypto.randomBytes(12).toString('hex')}`;

const testDir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-pam-http-'));
const configDir = path.join(testDir, 'burrow-config');
const kubeconfig = path.join(testDir, 'kubeconfig');

let stack: LocalStack;
let gatewayId: string;
let postgres: PostgresServer;
let nginx: NginxTarget;
let nginxCa: string;
let kubernetes: KubernetesApiTarget;
const accessProcesses: ManagedProcess[] = [];
const transcripts: string[] = [];

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      command,
      args,
      { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH, HOME: testDir, ...env } },
      (error, stdout, stderr) => {
        transcripts.push(stdout, stderr);
        resolve({
          code: error ? Number((error as { code?: number }).code ?? 1) : 0,
          stdout,
          stderr,
        });
      },
    );
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the answers' shapes are checked by the assertions
type Answer = any;

/** Creates a resource or account as the stack's admin through platform-api's routes. */
async function post(
  url: '/v1/pam/resources' | '/v1/pam/accounts',
  body: object,
): Promise<{ status: number; json: Answer }> {
  try {
    const json: Answer =
      url === '/v1/pam/resources'
        ? await stack.api.call(routes.createPamResource, { body: body as Answer })
        : await stack.api.call(routes.createPamAccount, { body: body as Answer });
    return { status: 200, json };
  } catch (error) {
    if (!(error instanceof PlatformError)) throw error;
    return { status: error.status ?? 0, json: { message: error.serverMessage ?? error.message } };
  }
}

beforeAll(async () => {
  const certificate = await createSelfSignedCertificate('nginx');
  nginxCa = certificate.certificatePem;
  [postgres, nginx, kubernetes] = await Promise.all([
    startPostgres(),
    startNginx({ ...certificate, username: 'alice', password: NGINX_PASSWORD }),
    startKubernetesApiTarget(SA_TOKEN),
  ]);
  await postgres.createLoginRole('app', PG_PASSWORD, 'scram-sha-256');
  await postgres.sql('CREATE DATABASE orders OWNER app');
  stack = await LocalStack.start();
  await stack.startRelay('relay-a');
  await stack.startGateway('gateway-a', 'relay-a');
  gatewayId = (await stack.waitForHealthyGateway('gateway-a')).id;
}, 180_000);

afterAll(async () => {
  await Promise.all(accessProcesses.map((p) => p.stop('SIGKILL')));
  await stack?.stop();
  await Promise.all([postgres?.stop(), nginx?.stop(), kubernetes?.close()]);
  fs.rmSync(testDir, { recursive: true, force: true });
});

describe('connection test before saving (testConnection)', () => {
  let ordersId: string;

  it('saves a reachable postgres resource and refuses one the gateway cannot reach', async () => {
    const ok = await post('/v1/pam/resources', {
      name: 'orders-pg',
      resourceType: 'postgres',
      gatewayId,
      connectionDetails: { host: '127.0.0.1', port: postgres.port, database: 'orders' },
      testConnection: true,
    });
    expect(ok.status).toBe(200);
    ordersId = ok.json.resource.id;
    const down = await post('/v1/pam/resources', {
      name: 'down-pg',
      resourceType: 'postgres',
      gatewayId,
      connectionDetails: { host: '127.0.0.1', port: await freePort(), database: 'orders' },
      testConnection: true,
    });
    expect(down.status).toBe(400);
    expect(down.json.message).toMatch(
      /Connection test of postgres resource down-pg: unreachable: the gateway could not reach the target \(127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED\)\); nothing was saved/,
    );
  });

  it('refuses a postgres account with a wrong password (wrong credentials) and saves the right one', async () => {
    const wrong = await post('/v1/pam/accounts', {
      resourceId: ordersId,
      name: 'orders-wrong',
      folderPath: 'prod',
      credentials: { username: 'app', password: 'not-the-password' },
      testConnection: true,
    });
    expect(wrong.status).toBe(400);
    expect(wrong.json.message).toMatch(/wrong credentials: the target refused them .*28P01/);
    expect(wrong.json.message).not.toContain('not-the-password');
    const right = await post('/v1/pam/accounts', {
      resourceId: ordersId,
      name: 'orders-db',
      folderPath: 'prod',
      credentials: { username: 'app', password: PG_PASSWORD },
      testConnection: true,
    });
    expect(right.status).toBe(200);
  });
});

describe('a web application (http) through burrow pam access', () => {
  beforeAll(async () => {
    const resource = await post('/v1/pam/resources', {
      name: 'intranet',
      resourceType: 'http',
      gatewayId,
      connectionDetails: {
        url: `https://127.0.0.1:${nginx.port}`,
        testPath: '/private/',
        sslCertificate: nginxCa,
      },
      testConnection: true,
    });
    expect(resource.status).toBe(200);
    const wrong = await post('/v1/pam/accounts', {
      resourceId: resource.json.resource.id,
      name: 'intranet-wrong',
      folderPath: 'web',
      credentials: { username: 'alice', authMethod: 'basic', password: 'nope' },
      testConnection: true,
    });
    expect(wrong.status).toBe(400);
    expect(wrong.json.message).toMatch(/wrong credentials: .*HTTP 401/);
    const account = await post('/v1/pam/accounts', {
      resourceId: resource.json.resource.id,
      name: 'intranet',
      folderPath: 'web',
      credentials: { username: 'alice', authMethod: 'basic', password: NGINX_PASSWORD },
      testConnection: true,
    });
    expect(account.status).toBe(200);
    const k8s = await post('/v1/pam/resources', {
      name: 'cluster',
      resourceType: 'kubernetes',
      gatewayId,
      connectionDetails: { url: kubernetes.url, sslCertificate: kubernetes.caPem },
      testConnection: true,
    });
    expect(k8s.status).toBe(200);
    const wrongToken = await post('/v1/pam/accounts', {
      resourceId: k8s.json.resource.id,
      name: 'viewer-wrong',
      folderPath: 'k8s',
      credentials: { username: 'viewer', token: 'stolen' },
      testConnection: true,
    });
    expect(wrongToken.json.message).toMatch(/wrong credentials: .*HTTP 401/);
    const viewer = await post('/v1/pam/accounts', {
      resourceId: k8s.json.resource.id,
      name: 'viewer',
      folderPath: 'k8s',
      credentials: { username: 'viewer', token: SA_TOKEN },
      testConnection: true,
    });
    expect(viewer.status).toBe(200);

    const alice = await createPamMember(stack, 'alice', ['web/', 'k8s/']);
    await loginWithBurrow(stack, alice, configDir);
  }, 120_000);

  it('gives a local URL; curl reads the private page; the password never shows; sessions show lists the exchange', async () => {
    const access = startBurrow(['pam', 'access', 'web/intranet', '--port', '0'], {
      configDir,
      logFile: path.join(testDir, 'access-web.log'),
    });
    accessProcesses.push(access);
    const open = await access.waitFor(/^Open http:\/\/127\.0\.0\.1:\d+\//, 30_000);
    const url = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(open)?.[1] as string;
    const sessionLine = await access.waitFor(/^PAM session \S+ for /, 5_000);
    const sessionId = /^PAM session (\S+) for /.exec(sessionLine)?.[1] as string;
    const page = await run('curl', ['-sS', '-v', '-u', 'mallory:guess', `${url}private/`]);
    expect(page.stdout).toBe(nginx.privateBody);
    await access.stop('SIGINT');

    let shown = '';
    for (let attempt = 0; attempt < 60; attempt += 1) {
      const show = await runBurrow(['pam', 'sessions', 'show', sessionId], { configDir });
      shown = show.stdout;
      if (/← 200/.test(shown)) break;
      await sleep(500);
    }
    transcripts.push(shown);
    expect(shown).toMatch(/GET \/private\/ {2}\(request \S+\)/);
    expect(shown).toMatch(/Authorization: \[MASKED\]/);
    expect(shown).toMatch(/← 200 {2}\(request \S+, \d+ ms\)/);
    const all = transcripts.join('\n');
    expect(all).not.toContain(NGINX_PASSWORD);
    expect(all).not.toContain(Buffer.from(`alice:${NGINX_PASSWORD}`).toString('base64'));
  }, 120_000);

  it('headless Chromium shows the private page from the local URL; the password is not in it', async () => {
    const access = startBurrow(['pam', 'access', 'web/intranet', '--port', '0'], {
      configDir,
      logFile: path.join(testDir, 'access-web-browser.log'),
    });
    accessProcesses.push(access);
    const open = await access.waitFor(/^Open http:\/\/127\.0\.0\.1:\d+\//, 30_000);
    const url = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(open)?.[1] as string;
    let chromium: HeadlessChromium | undefined;
    try {
      chromium = await startHeadlessChromium();
      const page = await chromium.browser.newPage();
      page.setDefaultTimeout(30_000);
      const response = await page.goto(`${url}private/`);
      expect(response?.status()).toBe(200);
      expect((await page.locator('body').innerText()).trim()).toBe(nginx.privateBody.trim());
      const seen = [
        await page.content(),
        JSON.stringify(await response?.allHeaders()),
        JSON.stringify(await page.context().cookies()),
      ].join('\n');
      expect(seen).not.toContain(NGINX_PASSWORD);
      expect(seen).not.toContain(Buffer.from(`alice:${NGINX_PASSWORD}`).toString('base64'));
    } finally {
      await chromium?.stop();
      await access.stop('SIGINT');
    }
  }, 120_000);

  it('kubernetes: a kubeconfig context for plain kubectl, the previous context restored at the end', async () => {
    fs.writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: home\n  cluster:\n    server: https://127.0.0.1:1',
        'users:',
        '- name: home\n  user: {}',
        'contexts:',
        '- name: home\n  context:\n    cluster: home\n    user: home',
        'current-context: home',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const access = startBurrow(['pam', 'access', 'k8s/viewer', '--port', '0'], {
      configDir,
      logFile: path.join(testDir, 'access-k8s.log'),
      env: { KUBECONFIG: kubeconfig },
    });
    accessProcesses.push(access);
    await access.waitFor(/^kubectl context burrow-k8s-viewer is now current/, 30_000);
    const pods = await run('kubectl', ['get', 'pods', '-o', 'name'], { KUBECONFIG: kubeconfig });
    expect(pods.stdout.trim()).toBe('pod/web-1');
    const exec = await run('kubectl', ['exec', 'web-1', '--', 'echo', 'hi'], {
      KUBECONFIG: kubeconfig,
    });
    expect(exec.stdout).toBe('hi\n');
    await access.stop('SIGINT');
    const current = await run('kubectl', ['config', 'current-context'], { KUBECONFIG: kubeconfig });
    expect(current.stdout.trim()).toBe('home');
    expect(fs.readFileSync(kubeconfig, 'utf8')).not.toContain('burrow-k8s-viewer');
    expect(transcripts.join('\n')).not.toContain(SA_TOKEN);
  }, 120_000);
});
