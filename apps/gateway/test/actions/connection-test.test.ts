/**
 * `infisical-connection-test` against real targets: a PostgreSQL server (right password, wrong
 * password, missing database), OpenSSH's sshd (password, key and certificate logins, a wrong
 * password, an impostor with another host key), Debian's nginx with basic auth over TLS, a
 * Kubernetes-API-shaped server checking its bearer token, a port nobody listens on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createSelfSignedCertificate, freePort } from '@burrow/test-support';
import { ALPN } from '@burrow/tunnel-protocol';
import { createConnectionTestHandler } from '../../src/actions/connection-test.ts';
import { InnerTlsServer } from '../../src/tunnel/inner-tls-server.ts';
import { requestConnectionTest } from '../helpers/connection-test-client.ts';
import { startKubernetesApiTarget, type KubernetesApiTarget } from '@burrow/test-support';
import { captureLogs, type CapturedLogger } from '../helpers/log-capture.ts';
import { startNginx, type NginxTarget } from '@burrow/test-support';
import {
  GATEWAY_ID,
  createGatewayPki,
  issueCaller,
  issuePamCaller,
  type GatewayPki,
} from '../helpers/pki-fixture.ts';
import { startPostgresTarget, type PostgresTarget } from '../helpers/postgres-target.ts';
import { startSshTargets, type SshTargets } from '../pam/ssh/ssh-target-fixture.ts';

describe('infisical-connection-test', () => {
  let pki: GatewayPki;
  let server: InnerTlsServer;
  let logs: CapturedLogger;
  let postgres: PostgresTarget;
  let nginx: NginxTarget;
  let nginxCa: string;
  let kubernetes: KubernetesApiTarget;
  let sshDir: string;
  let ssh: SshTargets;

  const test = async (host: string, port: number, body: string | object) =>
    requestConnectionTest(
      server,
      pki.serverCertificateChain,
      await issueCaller(pki, host, port),
      body,
    );

  beforeAll(async () => {
    pki = await createGatewayPki();
    const certificate = await createSelfSignedCertificate('nginx');
    nginxCa = certificate.certificatePem;
    sshDir = mkdtempSync(path.join(os.tmpdir(), 'burrow-connection-test-ssh-'));
    [postgres, nginx, kubernetes, ssh] = await Promise.all([
      startPostgresTarget(),
      startNginx({ ...certificate, username: 'alice', password: 'nginx-secret' }),
      startKubernetesApiTarget('the-service-account-token'),
      startSshTargets(sshDir),
    ]);
    logs = captureLogs('info');
    server = new InnerTlsServer({
      credentials: pki.credentials,
      gatewayId: GATEWAY_ID,
      logger: logs.logger,
      actions: { [ALPN.connectionTest]: createConnectionTestHandler() },
    });
  }, 120_000);

  afterAll(async () => {
    server?.close();
    await Promise.all([postgres?.stop(), nginx?.stop(), kubernetes?.close(), ssh?.stop()]);
    if (sshDir) rmSync(sshDir, { recursive: true, force: true });
  });

  it('tcp: reachable and unreachable', async () => {
    expect(await test('127.0.0.1', postgres.port, { mode: 'tcp' })).toEqual({
      status: 200,
      body: { result: { ok: true } },
    });
    const down = await test('127.0.0.1', await freePort(), { mode: 'tcp' });
    expect(down.status).toBe(502);
    expect(down.body.error).toEqual({
      kind: 'transport',
      message: expect.stringMatching(/^127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED\)$/),
    });
  });

  it('sql/postgres: right credentials, wrong password (auth, never quoted), missing database, down', async () => {
    const sql = {
      mode: 'sql',
      dialect: 'postgres',
      database: postgres.database,
      username: postgres.scram.username,
    };
    const ok = await test('127.0.0.1', postgres.port, {
      ...sql,
      password: postgres.scram.password,
    });
    expect(ok.body).toEqual({ result: { ok: true } });
    const tls = await test('127.0.0.1', postgres.port, {
      ...sql,
      password: postgres.scram.password,
      sslEnabled: true,
      sslCertificate: postgres.certificatePem,
    });
    expect(tls.body).toEqual({ result: { ok: true } });

    const wrong = await test('127.0.0.1', postgres.port, { ...sql, password: 'Wrong-Pw-123' });
    expect(wrong.status).toBe(502);
    expect(wrong.body.error?.kind).toBe('auth');
    expect(wrong.body.error?.message).toMatch(/password authentication failed.*SQLSTATE 28P01/);
    expect(JSON.stringify(wrong.body)).not.toContain('Wrong-Pw-123');
    expect(logs.raw.join('\n')).not.toContain('Wrong-Pw-123');

    const md5 = await test('127.0.0.1', postgres.port, {
      ...sql,
      username: postgres.md5.username,
      password: 'Wrong-Pw-456',
    });
    expect(md5.body.error?.kind).toBe('auth');

    const noDb = await test('127.0.0.1', postgres.port, {
      ...sql,
      database: 'no_such_db',
      password: postgres.scram.password,
    });
    expect(noDb.body.error).toEqual({
      kind: 'unknown',
      message: expect.stringMatching(/does not exist.*SQLSTATE 3D000/),
    });

    const down = await test('127.0.0.1', await freePort(), { ...sql, password: 'x' });
    expect(down.body.error?.kind).toBe('transport');
  });

  it('ssh: password, key and certificate logins at sshd; a wrong password is auth, never quoted', async () => {
    const account = { mode: 'ssh', username: ssh.user, hostKeys: [ssh.targetHostKey] };
    const password = await test('127.0.0.1', ssh.target.port, {
      ...account,
      authMethod: 'password',
      password: ssh.password,
    });
    expect(password).toEqual({ status: 200, body: { result: { ok: true } } });
    const key = await test('127.0.0.1', ssh.target.port, {
      ...account,
      authMethod: 'public-key',
      privateKey: ssh.accountKey,
    });
    expect(key.body).toEqual({ result: { ok: true } });
    const certificate = await test('127.0.0.1', ssh.target.port, {
      mode: 'ssh',
      username: ssh.user,
      hostCertificateAuthorities: [ssh.hostCa],
      authMethod: 'certificate',
      privateKey: ssh.certKey,
      certificate: ssh.certificate,
    });
    expect(certificate.body).toEqual({ result: { ok: true } });

    const wrong = await test('127.0.0.1', ssh.target.port, {
      ...account,
      authMethod: 'password',
      password: 'Wrong-Ssh-Pw-789',
    });
    expect(wrong).toEqual({
      status: 502,
      body: {
        error: {
          kind: 'auth',
          message: `the target 127.0.0.1:${ssh.target.port} refused the account's credentials for ${ssh.user}`,
        },
      },
    });
    expect(logs.raw.join('\n')).not.toContain('Wrong-Ssh-Pw-789');
    expect(logs.raw.join('\n')).not.toContain(ssh.password);
  });

  it('ssh: sshd down is transport; a host key the resource does not pin is refused before any login', async () => {
    const down = await test('127.0.0.1', await freePort(), {
      mode: 'ssh',
      username: ssh.user,
      hostKeys: [ssh.targetHostKey],
      authMethod: 'password',
      password: ssh.password,
    });
    expect(down.body.error).toEqual({
      kind: 'transport',
      message: expect.stringMatching(
        /^cannot reach the target 127\.0\.0\.1:\d+: connect ECONNREFUSED/,
      ),
    });

    const impostor = await test('127.0.0.1', ssh.impostor.port, {
      mode: 'ssh',
      username: ssh.user,
      hostKeys: [ssh.targetHostKey],
      authMethod: 'password',
      password: ssh.password,
    });
    expect(impostor.body.error).toEqual({
      kind: 'unknown',
      message: expect.stringMatching(
        new RegExp(
          `^refusing the target 127\\.0\\.0\\.1:${ssh.impostor.port}: the target's host key SHA256:\\S+ is not one the resource pins`,
        ),
      ),
    });
    // No credential went to the impostor (the answer came from the key exchange).
    expect(ssh.impostor.log()).not.toMatch(/Failed|Accepted|Postponed|authenticating user/);

    // A target that accepts and never speaks: the test's own timeout ends it, not ssh2's 10 s.
    const held: net.Socket[] = [];
    const silent = net.createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const hung = await test('127.0.0.1', (silent.address() as net.AddressInfo).port, {
        mode: 'ssh',
        username: ssh.user,
        hostKeys: [ssh.targetHostKey],
        authMethod: 'password',
        password: ssh.password,
        timeoutMs: 300,
      });
      expect(hung.body.error).toEqual({
        kind: 'transport',
        message: expect.stringMatching(/did not finish the SSH login in time$/),
      });
    } finally {
      for (const socket of held) socket.destroy();
      silent.close();
    }

    const unpinned = await test('127.0.0.1', ssh.target.port, {
      mode: 'ssh',
      username: ssh.user,
      authMethod: 'password',
      password: ssh.password,
    });
    expect(unpinned.status).toBe(400);
    expect(unpinned.body.error?.message).toMatch(
      /^ssh: the SSH resource pins no host key and no host certificate authority/,
    );
  });

  it('http: basic auth at nginx over TLS, right and wrong; TLS not verifiable', async () => {
    const basic = (user: string, password: string) =>
      `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    const http = {
      mode: 'http',
      url: '/private/',
      sslCertificate: nginxCa,
    };
    const ok = await test('https://127.0.0.1', nginx.port, {
      ...http,
      headers: { Authorization: basic('alice', 'nginx-secret') },
    });
    expect(ok.body).toEqual({ result: { ok: true } });
    const wrong = await test('https://127.0.0.1', nginx.port, {
      ...http,
      headers: { Authorization: basic('alice', 'not-it') },
    });
    expect(wrong.body.error).toEqual({
      kind: 'auth',
      message: expect.stringMatching(/refused the credentials \(HTTP 401\)/),
    });
    const untrusted = await test('https://127.0.0.1', nginx.port, { mode: 'http' });
    expect(untrusted.body.error).toEqual({
      kind: 'transport',
      message: expect.stringMatching(
        /TLS certificate of https:\/\/127\.0\.0\.1:\d+ was not accepted/,
      ),
    });
  });

  it('kubernetes: the token accepted, a wrong token is auth', async () => {
    const ok = await test('127.0.0.1', kubernetes.port, {
      mode: 'kubernetes',
      token: kubernetes.token,
      sslCertificate: kubernetes.caPem,
    });
    expect(ok.body).toEqual({ result: { ok: true } });
    const wrong = await test('127.0.0.1', kubernetes.port, {
      mode: 'kubernetes',
      token: 'stolen-token',
      sslCertificate: kubernetes.caPem,
    });
    expect(wrong.body.error?.kind).toBe('auth');
    expect(JSON.stringify(wrong.body)).not.toContain('stolen-token');
  });

  it('http and kubernetes: a port nobody listens on is a transport failure', async () => {
    const httpDown = await test('https://127.0.0.1', await freePort(), {
      mode: 'http',
      headers: { Authorization: 'Bearer never-sent' },
    });
    expect(httpDown).toEqual({
      status: 502,
      body: {
        error: {
          kind: 'transport',
          message: expect.stringMatching(
            /^https:\/\/127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED\)$/,
          ),
        },
      },
    });
    const kubernetesDown = await test('127.0.0.1', await freePort(), {
      mode: 'kubernetes',
      token: kubernetes.token,
      sslCertificate: kubernetes.caPem,
    });
    expect(kubernetesDown).toEqual({
      status: 502,
      body: {
        error: {
          kind: 'transport',
          message: expect.stringMatching(
            /^https:\/\/127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED\)$/,
          ),
        },
      },
    });
  });

  it('refuses bad requests clearly: bad JSON, unknown mode, oversize body', async () => {
    expect(await test('127.0.0.1', postgres.port, '{nope')).toEqual({
      status: 400,
      body: { error: { message: 'Invalid request body' } },
    });
    expect((await test('127.0.0.1', postgres.port, { mode: 'mongodb' })).body.error?.message).toBe(
      'unsupported test-connection mode: "mongodb"',
    );
    const big = await test('127.0.0.1', postgres.port, { mode: 'tcp', pad: 'x'.repeat(70_000) });
    expect(big.status).toBe(413);
  });

  it('runs for the platform only: a PAM (user) certificate gets no answer', async () => {
    await expect(
      requestConnectionTest(
        server,
        pki.serverCertificateChain,
        await issuePamCaller(pki, '127.0.0.1', postgres.port),
        { mode: 'tcp' },
      ),
    ).rejects.toThrow();
  });
});
