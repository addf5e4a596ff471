/**
 * PAM for web applications and Kubernetes, end to end on one machine: the gateway's inner TLS
 * server with the PAM actions, a fake control plane (credentials, recording intake, end), and
 * real clients through a listener that opens one PAM stream per connection (what `burrow pam
 * access` does): curl against Debian's nginx (basic auth over TLS) and an echo target; kubectl
 * against a Kubernetes-API-shaped server that checks the injected token and speaks the exec
 * upgrade.
 */
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { issueGatewayPamClientCertificate, type IssuedCertificate } from '@burrow/pki';
import { PlatformClient } from '@burrow/platform-api';
import { createSelfSignedCertificate } from '@burrow/test-support';
import { ALPN } from '@burrow/tunnel-protocol';
import { createPamProxyHandler } from '../../../src/actions/pam-proxy.ts';
import { createPamSessionCancellationHandler } from '../../../src/actions/pam-session-cancellation.ts';
import { PAM_HTTP_RECORDED_BODY_BYTES } from '../../../src/pam/http/http-exchange-recording.ts';
import { createHttpPamProtocol } from '../../../src/pam/http/http-pam-protocol.ts';
import { PamSessions } from '../../../src/pam/pam-sessions.ts';
import { createPamPlatformClient } from '../../../src/platform/pam-platform-client.ts';
import { InnerTlsServer } from '../../../src/tunnel/inner-tls-server.ts';
import {
  startFakePamControlPlane,
  type FakePamControlPlane,
} from '../../helpers/fake-pam-control-plane.ts';
import {
  patternBytes,
  startHttpTestTarget,
  type HttpTestTarget,
} from '../../helpers/http-test-target.ts';
import { startKubernetesApiTarget, type KubernetesApiTarget } from '@burrow/test-support';
import { captureLogs, type CapturedLogger } from '../../helpers/log-capture.ts';
import { startNginx, type NginxTarget } from '@burrow/test-support';
import { callOnce, openPamTunnel, type PamTunnel } from '../../helpers/pam-tunnel.ts';
import {
  GATEWAY_ID,
  ORG_ID,
  createGatewayPki,
  type GatewayPki,
} from '../../helpers/pki-fixture.ts';

jest.setTimeout(90_000);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
function run(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const NGINX_PASSWORD = 'nginx-Pw-7f3a9c';
const API_TOKEN = 'app-token-5d1e8b';
const SA_TOKEN = 'k8s-sa-token-c0ffee42';

describe('PAM http and kubernetes', () => {
  let pki: GatewayPki;
  let controlPlane: FakePamControlPlane;
  let logs: CapturedLogger;
  let recordingDir: string;
  let kubeDir: string;
  let sessions: PamSessions;
  let server: InnerTlsServer;
  let nginx: NginxTarget;
  let nginxCa: string;
  let echo: HttpTestTarget;
  let kubernetes: KubernetesApiTarget;
  const tunnels: PamTunnel[] = [];

  async function session(
    resourceType: 'http' | 'kubernetes',
    credentials: Record<string, unknown>,
  ): Promise<{ id: string; certificate: IssuedCertificate; tunnel: PamTunnel }> {
    const id = randomUUID();
    controlPlane.sessions.set(id, credentials);
    const certificate = await issueGatewayPamClientCertificate({
      issuer: pki.clientCa,
      orgId: ORG_ID,
      gatewayId: GATEWAY_ID,
      actor: { type: 'user', id: 'user-1', name: 'alice@example.com' },
      targetHost: String(credentials.url),
      targetPort: 0,
      sessionId: id,
      resourceType,
    });
    const tunnel = await openPamTunnel(
      server,
      pki.serverCertificateChain,
      certificate,
      ALPN.pamProxy,
    );
    tunnels.push(tunnel);
    return { id, certificate, tunnel };
  }

  async function endSession(id: string, certificate: IssuedCertificate): Promise<object[]> {
    await callOnce(server, pki.serverCertificateChain, certificate, ALPN.pamSessionCancellation);
    return (await controlPlane.waitForEnd(id)) as object[];
  }

  beforeAll(async () => {
    const nginxCertificate = await createSelfSignedCertificate('nginx');
    nginxCa = nginxCertificate.certificatePem;
    [pki, controlPlane, nginx, echo, kubernetes] = await Promise.all([
      createGatewayPki(),
      startFakePamControlPlane(),
      startNginx({ ...nginxCertificate, username: 'alice', password: NGINX_PASSWORD }),
      startHttpTestTarget(),
      startKubernetesApiTarget(SA_TOKEN),
    ]);
    logs = captureLogs('debug');
    recordingDir = mkdtempSync(path.join(os.tmpdir(), 'burrow-pam-http-'));
    kubeDir = mkdtempSync(path.join(os.tmpdir(), 'burrow-kube-'));
    sessions = new PamSessions({
      protocols: [createHttpPamProtocol('http'), createHttpPamProtocol('kubernetes')],
      platform: createPamPlatformClient(
        new PlatformClient({ apiUrl: controlPlane.apiUrl, token: () => 'gateway-token' }),
      ),
      recordingDir,
      logger: logs.logger,
      uploadIntervalMs: 200,
    });
    sessions.start();
    server = new InnerTlsServer({
      credentials: pki.credentials,
      gatewayId: GATEWAY_ID,
      logger: logs.logger,
      actions: {
        [ALPN.pamProxy]: createPamProxyHandler(sessions),
        [ALPN.pamSessionCancellation]: createPamSessionCancellationHandler(sessions),
      },
    });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(tunnels.map((tunnel) => tunnel.close()));
    server?.close();
    await sessions?.stop();
    await Promise.all([nginx?.stop(), echo?.close(), kubernetes?.close(), controlPlane?.close()]);
    rmSync(recordingDir, { recursive: true, force: true });
    rmSync(kubeDir, { recursive: true, force: true });
  });

  it('web app: basic auth injected at nginx over TLS; the person’s own Authorization never counts and the credential never reaches the person', async () => {
    const { id, certificate, tunnel } = await session('http', {
      url: `https://127.0.0.1:${nginx.port}`,
      authMethod: 'basic',
      username: 'alice',
      password: NGINX_PASSWORD,
      sslCertificate: nginxCa,
    });
    const base = `http://127.0.0.1:${tunnel.port}`;
    // The person sends nothing, or a wrong user of their own: the gateway's login is used.
    const plain = await run('curl', ['-sS', '-v', `${base}/private/`]);
    expect(plain.stdout).toBe(nginx.privateBody);
    const spoofed = await run('curl', ['-sS', '-u', 'mallory:guess', `${base}/private/`]);
    expect(spoofed.stdout).toBe(nginx.privateBody);
    const seenByPerson = Buffer.concat(tunnel.fromGateway).toString('latin1') + plain.stderr;
    const basic = Buffer.from(`alice:${NGINX_PASSWORD}`).toString('base64');
    expect(seenByPerson).not.toContain(NGINX_PASSWORD);
    expect(seenByPerson).not.toContain(basic);

    const events = (await endSession(id, certificate)) as Record<string, unknown>[];
    const requests = events.filter((event) => event.eventType === 'request');
    const responses = events.filter((event) => event.eventType === 'response');
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({ method: 'GET', url: '/private/' });
    expect((requests[0]!.headers as Record<string, string[]>).Authorization).toEqual(['[MASKED]']);
    expect(responses[0]).toMatchObject({ status: 200, bodyTruncated: false });
    expect(Buffer.from(String(responses[0]!.body), 'base64').toString()).toBe(nginx.privateBody);
    expect(typeof responses[0]!.elapsedMs).toBe('number');
    const recorded = JSON.stringify(events);
    expect(recorded).not.toContain(NGINX_PASSWORD);
    expect(recorded).not.toContain(basic);
    expect(recorded).not.toContain('mallory');
  });

  it('web app: a bearer or named header is injected, the person’s are dropped, and the recording masks them', async () => {
    const { id, certificate, tunnel } = await session('http', {
      url: `http://127.0.0.1:${echo.port}`,
      authMethod: 'header',
      headerName: 'X-Api-Key',
      token: API_TOKEN,
    });
    const before = echo.seen.length;
    const result = await run('curl', [
      '-sS',
      '-H',
      'X-Api-Key: person-key',
      '-H',
      'Authorization: Bearer person-token',
      '--data-binary',
      `body mentions ${API_TOKEN}`,
      `http://127.0.0.1:${tunnel.port}/upload`,
    ]);
    expect(JSON.parse(result.stdout)).toMatchObject({ bytes: 14 + API_TOKEN.length });
    const seen = echo.seen[before]!.headers;
    expect(seen['x-api-key']).toBe(API_TOKEN);
    expect(seen.authorization).toBeUndefined();
    const events = await endSession(id, certificate);
    const recorded = JSON.stringify(events);
    expect(recorded).not.toContain(API_TOKEN);
    const request = events.find((e) => (e as { eventType: string }).eventType === 'request') as {
      body: string;
    };
    expect(Buffer.from(request.body, 'base64').toString()).toBe('body mentions [MASKED]');
  });

  it('web app: bodies over the recording limit pass whole and are recorded truncated (bodyTruncated)', async () => {
    const { id, certificate, tunnel } = await session('http', {
      url: `http://127.0.0.1:${echo.port}`,
      authMethod: 'bearer',
      token: API_TOKEN,
    });
    const size = PAM_HTTP_RECORDED_BODY_BYTES + 20_000;
    const upload = await run('curl', [
      '-sS',
      '--data-binary',
      'u'.repeat(size),
      `http://127.0.0.1:${tunnel.port}/upload`,
    ]);
    expect(JSON.parse(upload.stdout)).toMatchObject({ bytes: size });
    const download = await run('curl', [
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code} %{size_download}',
      `http://127.0.0.1:${tunnel.port}/download?bytes=${size}`,
    ]);
    expect(download.stdout).toBe(`200 ${size}`);

    const events = (await endSession(id, certificate)) as Record<string, unknown>[];
    const request = events.find((e) => e.eventType === 'request' && e.url === '/upload');
    expect(request).toMatchObject({ bodyTruncated: true });
    expect(Buffer.from(String(request!.body), 'base64').toString()).toBe(
      'u'.repeat(PAM_HTTP_RECORDED_BODY_BYTES),
    );
    const downloadRequest = events.find((e) => e.eventType === 'request' && e.method === 'GET');
    const response = events.find(
      (e) => e.eventType === 'response' && e.requestId === downloadRequest?.requestId,
    );
    expect(response).toMatchObject({ status: 200, bodyTruncated: true });
    // The first bytes of the same pattern (its blocks are 1 MiB).
    const prefix = Buffer.concat(
      (await patternBytes(PAM_HTTP_RECORDED_BODY_BYTES).toArray()) as Buffer[],
    );
    expect(Buffer.from(String(response!.body), 'base64').equals(prefix)).toBe(true);
  });

  it('web app: a target that is down is a clear 502 and nothing hangs', async () => {
    const { tunnel } = await session('http', {
      url: 'http://127.0.0.1:1',
      authMethod: 'bearer',
      token: API_TOKEN,
    });
    const result = await run('curl', [
      '-sS',
      '-w',
      '\n%{http_code}',
      `http://127.0.0.1:${tunnel.port}/`,
    ]);
    expect(result.stdout).toMatch(/unreachable \(ECONNREFUSED\)"\}\n502$/);
  });

  it('kubernetes: plain kubectl get / logs -f / exec through the listener; the SA token is injected and Impersonate-* never reaches the API', async () => {
    const { id, certificate, tunnel } = await session('kubernetes', {
      url: kubernetes.url,
      authMethod: 'service-account-token',
      serviceAccountToken: SA_TOKEN,
      sslCertificate: kubernetes.caPem,
    });
    const kubeconfig = path.join(kubeDir, `config-${id}`);
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: pam\n  cluster:\n    server: http://127.0.0.1:${tunnel.port}`,
        'users:',
        '- name: pam\n  user: {}',
        'contexts:',
        '- name: pam\n  context:\n    cluster: pam\n    user: pam\n    namespace: default',
        'current-context: pam',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const env = { KUBECONFIG: kubeconfig, HOME: kubeDir };
    const pods = await run('kubectl', ['get', 'pods', '-o', 'name'], env);
    expect(pods.stderr).toBe('');
    expect(pods.stdout.trim()).toBe('pod/web-1');

    const before = kubernetes.seen.length;
    const impersonating = await run(
      'kubectl',
      [
        '--as',
        'system:admin',
        '--as-group',
        'system:masters',
        '--token',
        'person-token',
        'get',
        'pods',
        '-o',
        'name',
      ],
      env,
    );
    expect(impersonating.stdout.trim()).toBe('pod/web-1');
    for (const request of kubernetes.seen.slice(before)) {
      expect(request.headers.authorization).toBe(`Bearer ${SA_TOKEN}`);
      expect(Object.keys(request.headers).filter((h) => h.startsWith('impersonate-'))).toEqual([]);
    }

    const exec = await run('kubectl', ['exec', 'web-1', '--', 'echo', 'hello-from-pod'], env);
    expect(exec.stderr).toBe('');
    expect(exec.stdout).toBe('hello-from-pod\n');

    // logs -f streams until the person stops it.
    const follow = spawn('kubectl', ['logs', '-f', 'web-1'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines = await new Promise<string>((resolve) => {
      let out = '';
      follow.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.split('\n').length > 3) resolve(out);
      });
    });
    follow.kill('SIGINT');
    await new Promise((resolve) => follow.once('close', resolve));
    expect(lines.startsWith('log line 1\nlog line 2\nlog line 3\n')).toBe(true);

    const events = (await endSession(id, certificate)) as Record<string, unknown>[];
    const urls = events
      .filter((event) => event.eventType === 'request')
      .map((event) => `${String(event.method)} ${String(event.url)}`);
    expect(urls).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^GET \/api\/v1\/namespaces\/default\/pods/),
        expect.stringMatching(/\/pods\/web-1\/exec\?/),
        expect.stringMatching(/\/pods\/web-1\/log\?.*follow=true/),
      ]),
    );
    expect(JSON.stringify(events)).not.toContain(SA_TOKEN);
  });
});
