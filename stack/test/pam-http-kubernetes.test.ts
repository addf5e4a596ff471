/**
 * Issue 16 end to end from the real binaries on loopback (control plane, relay, gateway, `burrow`):
 *
 *   - the control plane checks a resource / account through the gateway before saving it
 *     (testConnection → infisical-connection-test): reachable, unreachable, wrong credentials;
 *     an ssh account logs in to OpenSSH's sshd (key and certificate; a key or CA the target does
 *     not trust, a target whose host key the resource does not pin);
 *   - a web application (Debian's nginx, basic auth over TLS): `burrow pam access` prints a local
 *     URL, curl gets the private page without knowing the password, `burrow pam sessions show`
 *     lists the recorded exchanges with the credential masked; headless Chromium (Debian's) opens
 *     the same local URL and shows the page, and the password is nowhere in what it got;
 *   - Kubernetes (a Kubernetes-API-shaped server checking the service-account token):
 *     `burrow pam access` makes a kubeconfig context current, plain kubectl works (get, exec,
 *     logs -f), and the previous context is back after Ctrl-C.
 * Every process is stopped by its PID in afterAll.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
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
  startSshd,
  type HeadlessChromium,
  type KubernetesApiTarget,
  type NginxTarget,
  type PostgresServer,
  type RunningSshd,
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
let sshd: RunningSshd | undefined;
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
  await Promise.all([postgres?.stop(), nginx?.stop(), kubernetes?.close(), sshd?.stop()]);
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

/** An ed25519 key pair made by ssh-keygen in the test's dir: the private key text, the public line. */
function sshKeyPair(name: string): { privateKey: string; publicKey: string } {
  const file = path.join(testDir, 'sshd', name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file]);
  return {
    privateKey: fs.readFileSync(file, 'utf8'),
    publicKey: fs.readFileSync(`${file}.pub`, 'utf8').trim(),
  };
}

describe('connection test of ssh accounts: a real login at OpenSSH sshd', () => {
  const user = os.userInfo().username;
  const caFile = path.join(testDir, 'sshd', 'trusted_user_ca');
  let hostKey: string;
  let authorized: { privateKey: string; publicKey: string };
  let shellId: string;
  let keyAccountId: string;

  beforeAll(async () => {
    fs.mkdirSync(path.join(testDir, 'sshd'), { mode: 0o700 });
    hostKey = sshKeyPair('host_key').publicKey;
    authorized = sshKeyPair('authorized');
    fs.writeFileSync(path.join(testDir, 'sshd', 'authorized_keys'), `${authorized.publicKey}\n`);
    fs.writeFileSync(caFile, ''); // the org's PAM SSH CA is trusted later, in the test
    sshd = await startSshd(path.join(testDir, 'sshd'), [
      `HostKey ${path.join(testDir, 'sshd', 'host_key')}`,
      `AuthorizedKeysFile ${path.join(testDir, 'sshd', 'authorized_keys')}`,
      `TrustedUserCAKeys ${caFile}`,
      `AllowUsers ${user}`,
    ]);
    const shell = await post('/v1/pam/resources', {
      name: 'shell',
      resourceType: 'ssh',
      gatewayId,
      connectionDetails: { host: '127.0.0.1', port: sshd.port, hostKeys: [hostKey] },
      testConnection: true,
    });
    expect(shell.status).toBe(200);
    shellId = shell.json.resource.id;
  }, 60_000);

  const keyAccount = (resourceId: string, name: string, privateKey: string) =>
    post('/v1/pam/accounts', {
      resourceId,
      name,
      folderPath: 'ssh',
      credentials: { username: user, authMethod: 'public-key', privateKey },
      testConnection: true,
    });

  it('refuses a key the target does not authorize (wrong credentials, the key never quoted) and saves the authorized one', async () => {
    const stranger = sshKeyPair('stranger');
    const wrong = await keyAccount(shellId, 'shell-stranger', stranger.privateKey);
    expect(wrong.status).toBe(400);
    expect(wrong.json.message).toBe(
      `Connection test of ssh account ssh/shell-stranger: wrong credentials: the target refused them (the target 127.0.0.1:${sshd?.port} refused the account's credentials for ${user}); nothing was saved`,
    );
    const right = await keyAccount(shellId, 'shell-key', authorized.privateKey);
    expect(right.status).toBe(200);
    keyAccountId = right.json.account.id;
    const keyBody = (key: string) => key.split('\n')[1] as string;
    expect(JSON.stringify([wrong, right])).not.toContain(keyBody(stranger.privateKey));
    expect(JSON.stringify([wrong, right])).not.toContain(keyBody(authorized.privateKey));
  });

  it('a certificate account logs in with a certificate of the org PAM SSH CA once the target trusts it', async () => {
    const certificateAccount = (name: string) =>
      post('/v1/pam/accounts', {
        resourceId: shellId,
        name,
        folderPath: 'ssh',
        credentials: { username: user, authMethod: 'certificate' },
        testConnection: true,
      });
    const untrusted = await certificateAccount('shell-cert');
    expect(untrusted.status).toBe(400);
    expect(untrusted.json.message).toMatch(
      /^Connection test of ssh account ssh\/shell-cert: wrong credentials/,
    );
    const { publicKey } = await stack.api.call(routes.pamAccountSshCaPublicKey, {
      params: { accountId: keyAccountId },
    });
    fs.writeFileSync(caFile, `${publicKey}\n`); // sshd reads TrustedUserCAKeys at each login
    const trusted = await certificateAccount('shell-cert');
    expect(trusted.status).toBe(200);
  });

  it('a target whose host key the resource does not pin is refused before any login', async () => {
    const impostor = await post('/v1/pam/resources', {
      name: 'shell-pinned-elsewhere',
      resourceType: 'ssh',
      gatewayId,
      connectionDetails: {
        host: '127.0.0.1',
        port: sshd?.port,
        hostKeys: [sshKeyPair('other_host_key').publicKey],
      },
    });
    expect(impostor.status).toBe(200);
    const refused = await keyAccount(
      impostor.json.resource.id,
      'shell-elsewhere',
      authorized.privateKey,
    );
    expect(refused.status).toBe(400);
    expect(refused.json.message).toMatch(
      new RegExp(
        `^Connection test of ssh account ssh/shell-elsewhere: failed: refusing the target 127\\.0\\.0\\.1:${sshd?.port}: the target's host key SHA256:\\S+ is not one the resource pins; nothing was saved$`,
      ),
    );
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
    await access.waitFor(/^kubectl context burrow-k8s-viewer is now current/, 90_000);
    const pods = await run('kubectl', ['get', 'pods', '-o', 'name'], { KUBECONFIG: kubeconfig });
    expect(pods.stdout.trim()).toBe('pod/web-1');
    const exec = await run('kubectl', ['exec', 'web-1', '--', 'echo', 'hi'], {
      KUBECONFIG: kubeconfig,
    });
    expect(exec.stdout).toBe('hi\n');
    // logs -f streams through the listener until the person stops it.
    const follow = spawn('kubectl', ['logs', '-f', 'web-1'], {
      env: { PATH: process.env.PATH, HOME: testDir, KUBECONFIG: kubeconfig },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const followed = await new Promise<string>((resolve) => {
      let out = '';
      // Bounded: a stream that never comes fails the assertion below instead of hanging.
      const deadline = setTimeout(() => resolve(out), 30_000);
      const done = (): void => {
        clearTimeout(deadline);
        resolve(out);
      };
      follow.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.split('\n').length > 3) done();
      });
      follow.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
      follow.once('close', done); // ended early: the assertion shows what it printed
    });
    if (follow.exitCode === null && follow.signalCode === null) {
      const closed = new Promise((resolve) => follow.once('close', resolve));
      follow.kill('SIGINT');
      await closed;
    }
    transcripts.push(followed);
    expect(followed).toMatch(/^log line 1\nlog line 2\nlog line 3\n/);
    await access.stop('SIGINT');
    const current = await run('kubectl', ['config', 'current-context'], { KUBECONFIG: kubeconfig });
    expect(current.stdout.trim()).toBe('home');
    expect(fs.readFileSync(kubeconfig, 'utf8')).not.toContain('burrow-k8s-viewer');
    expect(transcripts.join('\n')).not.toContain(SA_TOKEN);
  }, 240_000);
});
