/**
 * `infisical-http-proxy` end to end on loopback: a caller listener that opens one inner TLS stream
 * per client connection (as the platform does), the gateway's InnerTlsServer with the action, and
 * real clients and servers: curl, Debian's nginx (TLS + basic auth), a WebSocket echo (`ws`), the
 * Kubernetes TokenReview API of @burrow/test-support.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import {
  createSelfSignedCertificate,
  freePort,
  startKubernetesApiServer,
  type KubernetesApiServer,
} from '@burrow/test-support';
import { ALPN, formatHttpProxyConfigLine } from '@burrow/tunnel-protocol';
import { createHttpProxyHandler } from '../../src/actions/http-proxy.ts';
import { InnerTlsServer } from '../../src/tunnel/inner-tls-server.ts';
import { captureLogs } from '../helpers/log-capture.ts';
import { startHttpProxyCaller, type HttpProxyCaller } from '../helpers/http-proxy-caller.ts';
import {
  patternBytes,
  sha256Of,
  startHttpTestTarget,
  type HttpTestTarget,
} from '../helpers/http-test-target.ts';
import { startNginx, type NginxTarget } from '@burrow/test-support';
import {
  GATEWAY_ID,
  createGatewayPki,
  issueCaller,
  issuePamCaller,
  type GatewayPki,
} from '../helpers/pki-fixture.ts';

interface CurlResult {
  code: number;
  stdout: string;
  stderr: string;
}

function curl(args: string[]): Promise<CurlResult> {
  return new Promise((resolve) => {
    execFile(
      'curl',
      ['-sS', '--max-time', '60', ...args],
      { encoding: 'utf8', maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? ((error as { code?: number }).code ?? 1) : 0,
          stdout,
          stderr,
        }),
    );
  });
}

/** `-w` suffix that puts the status on the last line. */
const STATUS = ['-w', '\n%{http_code}'];
function split(result: CurlResult): { body: string; status: number } {
  const at = result.stdout.lastIndexOf('\n');
  return { body: result.stdout.slice(0, at), status: Number(result.stdout.slice(at + 1)) };
}

describe('infisical-http-proxy', () => {
  let pki: GatewayPki;
  let server: InnerTlsServer;
  let target: HttpTestTarget;
  let nginx: NginxTarget;
  let nginxCa: string;
  let kubernetes: KubernetesApiServer;
  let serviceAccountDir: string;
  const callers: HttpProxyCaller[] = [];

  async function caller(
    targetHost: string,
    targetPort: number,
    configLine: string | undefined = 'CONFIG',
    certificate?: { certificatePem: string; privateKeyPem: string },
  ): Promise<HttpProxyCaller> {
    const started = await startHttpProxyCaller({
      server,
      serverCertificateChain: pki.serverCertificateChain,
      certificate: certificate ?? (await issueCaller(pki, targetHost, targetPort)),
      configLine,
    });
    callers.push(started);
    return started;
  }

  beforeAll(async () => {
    pki = await createGatewayPki();
    const nginxCertificate = await createSelfSignedCertificate('nginx');
    nginxCa = nginxCertificate.certificatePem;
    [target, nginx, kubernetes] = await Promise.all([
      startHttpTestTarget(),
      startNginx({ ...nginxCertificate, username: 'alice', password: 'nginx-secret' }),
      startKubernetesApiServer(),
    ]);
    serviceAccountDir = mkdtempSync(path.join(tmpdir(), 'burrow-sa-'));
    writeFileSync(path.join(serviceAccountDir, 'token'), `${kubernetes.reviewerToken}\n`);
    writeFileSync(path.join(serviceAccountDir, 'ca.crt'), kubernetes.caPem);
    const kubernetesUrl = new URL(kubernetes.url);
    server = new InnerTlsServer({
      credentials: pki.credentials,
      gatewayId: GATEWAY_ID,
      logger: captureLogs('warn').logger,
      actions: {
        [ALPN.httpProxy]: createHttpProxyHandler({
          serviceAccountDir,
          env: {
            KUBERNETES_SERVICE_HOST: kubernetesUrl.hostname,
            KUBERNETES_SERVICE_PORT_HTTPS: kubernetesUrl.port,
          },
          responseHeadersTimeoutMs: 1_500,
        }),
      },
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(callers.map((c) => c.close()));
    server?.close();
    await Promise.all([target?.close(), nginx?.stop(), kubernetes?.close()]);
    rmSync(serviceAccountDir, { recursive: true, force: true });
  });

  it('forwards GET and POST, keeps the stream alive across requests and sets Host to the target', async () => {
    const proxy = await caller('127.0.0.1', target.port);
    const result = await curl([
      `${proxy.url}/headers`,
      '-H',
      'Host: somewhere-else.example',
      '--next',
      '-X',
      'POST',
      '--data-binary',
      'hello',
      `${proxy.url}/upload`,
    ]);
    expect(result.code).toBe(0);
    const [headersJson, upload] = result.stdout.split(/(?<=\})(?=\{)/);
    const headers = JSON.parse(headersJson as string) as Record<string, string>;
    expect(headers.host).toBe(`127.0.0.1:${target.port}`);
    expect(JSON.parse(upload as string)).toEqual({
      bytes: 5,
      sha256: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
    });
    // curl reused its connection: both requests went through one inner TLS stream.
    expect(proxy.streams).toBe(1);
  });

  it('passes chunked responses and chunked uploads through', async () => {
    const proxy = await caller('127.0.0.1', target.port);
    const chunked = await curl(['-D', '-', `${proxy.url}/chunked`]);
    expect(chunked.stdout).toMatch(/transfer-encoding: chunked/i);
    expect(chunked.stdout.endsWith('one,two,three')).toBe(true);
    const upload = await curl([
      '-H',
      'Transfer-Encoding: chunked',
      '--data-binary',
      'x'.repeat(100_000),
      `${proxy.url}/upload`,
    ]);
    expect(JSON.parse(upload.stdout)).toMatchObject({ bytes: 100_000 });
  });

  it('reaches nginx over TLS with the CA from the config line, with basic auth end to end', async () => {
    const proxy = await caller(
      'https://127.0.0.1',
      nginx.port,
      formatHttpProxyConfigLine({ caCertificates: nginxCa, verifyTls: true }),
    );
    expect(split(await curl([...STATUS, `${proxy.url}/`]))).toEqual({
      body: nginx.publicBody,
      status: 200,
    });
    expect(split(await curl([...STATUS, `${proxy.url}/private/`])).status).toBe(401);
    expect(
      split(await curl([...STATUS, '-u', 'alice:nginx-secret', `${proxy.url}/private/`])),
    ).toEqual({ body: nginx.privateBody, status: 200 });
    expect(
      split(await curl([...STATUS, '-u', 'alice:wrong', `${proxy.url}/private/`])).status,
    ).toBe(401);
  });

  it('refuses a target certificate it cannot verify with a clear error, and verify=false skips the check', async () => {
    const verifying = await caller('https://127.0.0.1', nginx.port, 'CONFIG verify=true');
    const refused = split(await curl([...STATUS, `${verifying.url}/`]));
    expect(refused.status).toBe(502);
    expect(JSON.parse(refused.body).message).toMatch(
      /^gateway: the TLS certificate of https:\/\/127\.0\.0\.1:\d+ was not accepted \(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN/,
    );
    // No verify= at all: Burrow verifies.
    const byDefault = await caller('https://127.0.0.1', nginx.port, 'CONFIG');
    expect(split(await curl([...STATUS, `${byDefault.url}/`])).status).toBe(502);
    const insecure = await caller('https://127.0.0.1', nginx.port, 'CONFIG verify=false');
    expect(split(await curl([...STATUS, `${insecure.url}/`])).status).toBe(200);
  });

  it('answers a target that is down with 502 and keeps the stream for the next request', async () => {
    const proxy = await caller('127.0.0.1', await freePort());
    const each = ['-w', '\n%{http_code}\n'];
    const result = await curl([...each, `${proxy.url}/a`, '--next', ...each, `${proxy.url}/b`]);
    const lines = result.stdout.split('\n');
    expect([lines[1], lines[3]]).toEqual(['502', '502']);
    expect(JSON.parse(lines[0] as string).message).toMatch(
      /^gateway: the target http:\/\/127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED\)$/,
    );
    expect(proxy.streams).toBe(1);
  });

  it('answers a target that does not answer with 504 within the deadline', async () => {
    const proxy = await caller('127.0.0.1', target.port);
    const slow = split(await curl([...STATUS, `${proxy.url}/slow`]));
    expect(slow.status).toBe(504);
    expect(JSON.parse(slow.body).message).toMatch(/did not answer within/);
  });

  it('refuses oversize request headers with 431 and oversize response headers with 502', async () => {
    const proxy = await caller('127.0.0.1', target.port);
    const big = split(
      await curl([...STATUS, '-H', `X-Big: ${'b'.repeat(70 * 1024)}`, `${proxy.url}/headers`]),
    );
    expect(big.status).toBe(431);
    expect(JSON.parse(big.body).message).toMatch(/request headers exceed 64 KiB/);
    const huge = split(await curl([...STATUS, `${proxy.url}/huge-headers`]));
    expect(huge.status).toBe(502);
    expect(JSON.parse(huge.body).message).toMatch(/response headers .* are too large/);
  });

  it('refuses a bad config line with 400 and never reaches the target', async () => {
    const before = target.seen.length;
    const proxy = await caller('127.0.0.1', target.port, 'CONFIG verify=maybe');
    const result = split(await curl([...STATUS, `${proxy.url}/headers`]));
    expect(result.status).toBe(400);
    expect(JSON.parse(result.body).message).toBe('gateway: config line: verify= is not a bool');
    expect(target.seen.length).toBe(before);
  });

  it('carries a WebSocket (Upgrade) both ways', async () => {
    const proxy = await caller('127.0.0.1', target.port);
    const socket = new WebSocket(`ws://127.0.0.1:${proxy.port}/echo`);
    const echoed = await new Promise<string[]>((resolve, reject) => {
      const got: string[] = [];
      socket.on('open', () => {
        socket.send('ping-1');
        socket.send(Buffer.alloc(200_000, 7));
        socket.send('ping-2');
      });
      socket.on('message', (data, isBinary) => {
        got.push(isBinary ? `binary:${(data as Buffer).length}` : data.toString());
        if (got.length === 3) resolve(got);
      });
      socket.on('error', reject);
    });
    socket.close();
    expect(echoed).toEqual(['ping-1', 'binary:200000', 'ping-2']);
  });

  it('streams a 256 MiB upload and a 256 MiB download intact (curl, checksums)', async () => {
    const size = 256 * 1024 * 1024;
    const proxy = await caller('127.0.0.1', target.port);
    const expected = await sha256Of(patternBytes(size));

    const upload = spawn('curl', ['-sS', '-T', '-', `${proxy.url}/upload`], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const uploadAnswer = new Promise<string>((resolve) => {
      let out = '';
      upload.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      upload.once('close', () => resolve(out));
    });
    await pipeline(patternBytes(size), upload.stdin);
    expect(JSON.parse(await uploadAnswer)).toEqual(expected);

    const download = spawn('curl', ['-sS', `${proxy.url}/download?bytes=${size}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(await sha256Of(download.stdout)).toEqual(expected);
  }, 300_000);

  it('injects the pod service-account token for a platform caller (x-infisical-action), replacing any Authorization', async () => {
    const proxy = await caller('127.0.0.1', target.port);
    const result = await curl([
      '-H',
      'x-infisical-action: inject-k8s-sa-auth-token',
      '-H',
      'Authorization: Bearer caller-token',
      `${proxy.url}/headers`,
    ]);
    const seen = JSON.parse(result.stdout) as Record<string, string>;
    expect(seen.authorization).toBe(`Bearer ${kubernetes.reviewerToken}`);
    expect(seen['x-infisical-action']).toBeUndefined();
  });

  it('use-k8s-sa sends the request to the pod’s Kubernetes API with its CA and token (TokenReview)', async () => {
    // The certificate's own target does not matter for use-k8s-sa.
    const proxy = await caller('127.0.0.1', target.port);
    const reviewed = await kubernetes.issueServiceAccountToken({ namespace: 'apps', name: 'web' });
    const result = await curl([
      '-H',
      'x-infisical-action: use-k8s-sa',
      '-H',
      'Content-Type: application/json',
      '--data-binary',
      JSON.stringify({
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenReview',
        spec: { token: reviewed },
      }),
      `${proxy.url}/apis/authentication.k8s.io/v1/tokenreviews`,
    ]);
    const review = JSON.parse(result.stdout) as {
      status: { authenticated: boolean; user: { username: string } };
    };
    expect(review.status.authenticated).toBe(true);
    expect(review.status.user.username).toBe('system:serviceaccount:apps:web');
  });

  it('refuses an unknown x-infisical-action and closes streams of PAM certificates', async () => {
    const proxy = await caller('127.0.0.1', target.port);
    const unknown = split(
      await curl([...STATUS, '-H', 'x-infisical-action: drop-tables', `${proxy.url}/headers`]),
    );
    expect(unknown.status).toBe(400);
    const before = target.seen.length;
    const pam = await caller(
      '127.0.0.1',
      target.port,
      'CONFIG',
      await issuePamCaller(pki, '127.0.0.1', target.port),
    );
    const refused = await curl([`${pam.url}/headers`]);
    expect(refused.code).not.toBe(0);
    expect(target.seen.length).toBe(before);
  });
});
