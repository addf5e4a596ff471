/**
 * The PostgreSQL PAM proxy end to end on one machine: a real PostgreSQL (initdb/pg_ctl), the
 * gateway's inner TLS server with the PAM actions, a fake control plane for credentials, key,
 * event batches and session end, and real clients (psql, the pg driver) through a local listener
 * that opens one inner TLS session per connection with the session's PAM certificate. Two tests
 * run a gateway of their own: one reaches the recording storage bound, one has a local record
 * changed before its upload.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, jest, test } from '@jest/globals';
import type { IssuedCertificate } from '@burrow/pki';
import { issueGatewayPamClientCertificate } from '@burrow/pki';
import { freePort } from '@burrow/test-support';
import { ALPN } from '@burrow/tunnel-protocol';
import pg from 'pg';
import { createPamCapabilitiesHandler } from '../../../src/actions/pam-capabilities.ts';
import { createPamProxyHandler } from '../../../src/actions/pam-proxy.ts';
import { createPamSessionCancellationHandler } from '../../../src/actions/pam-session-cancellation.ts';
import { InnerTlsServer } from '../../../src/tunnel/inner-tls-server.ts';
import { PlatformClient } from '@burrow/platform-api';
import { createPamPlatformClient } from '../../../src/platform/pam-platform-client.ts';
import { GatewayMetrics } from '../../../src/ops/gateway-metrics.ts';
import { PamSessions, type PamSessionsOptions } from '../../../src/pam/pam-sessions.ts';
import { createPostgresPamProtocol } from '../../../src/pam/postgres/postgres-pam-protocol.ts';
import type { FakeCredentials, FakePamControlPlane } from '../../helpers/fake-pam-control-plane.ts';
import { startFakePamControlPlane } from '../../helpers/fake-pam-control-plane.ts';
import type { CapturedLogger } from '../../helpers/log-capture.ts';
import { captureLogs } from '../../helpers/log-capture.ts';
import { runPsql, type PsqlOptions } from '../../helpers/psql-client.ts';
import type { PamTunnel } from '../../helpers/pam-tunnel.ts';
import { callOnce, openPamTunnel } from '../../helpers/pam-tunnel.ts';
import type { GatewayPki } from '../../helpers/pki-fixture.ts';
import { GATEWAY_ID, ORG_ID, createGatewayPki, issueCaller } from '../../helpers/pki-fixture.ts';
import type { PostgresTarget, TestRole } from '../../helpers/postgres-target.ts';
import { startPostgresTarget } from '../../helpers/postgres-target.ts';

/** psql on a session's listener, with ON_ERROR_STOP; `onSpawn` sees the child (to Ctrl-C it). */
const psql = (port: number, script: string, onSpawn?: PsqlOptions['onSpawn']) =>
  runPsql(port, script, { onSpawn });

jest.setTimeout(60_000);

interface Event {
  timestamp: string;
  input: string;
  output: string;
}

let postgres: PostgresTarget;
let controlPlane: FakePamControlPlane;
let pki: GatewayPki;
let logs: CapturedLogger;
let recordingDir: string;
let sessions: PamSessions;
let server: InnerTlsServer;
const tunnels: PamTunnel[] = [];

beforeAll(async () => {
  [postgres, controlPlane, pki] = await Promise.all([
    startPostgresTarget(),
    startFakePamControlPlane(),
    createGatewayPki(),
  ]);
  logs = captureLogs('debug');
  recordingDir = mkdtempSync(path.join(os.tmpdir(), 'burrow-pam-recordings-'));
  ({ sessions, server } = startPamGateway({ recordingDir }));
});

/** The gateway's PAM sessions and their inner TLS server, with `options` over the defaults. */
function startPamGateway(
  options: Pick<PamSessionsOptions, 'recordingDir'> & Partial<PamSessionsOptions>,
): { sessions: PamSessions; server: InnerTlsServer } {
  const pamSessions = new PamSessions({
    protocols: [createPostgresPamProtocol()],
    platform: createPamPlatformClient(
      new PlatformClient({ apiUrl: controlPlane.apiUrl, token: () => 'gateway-token' }),
    ),
    logger: logs.logger,
    uploadIntervalMs: 200,
    ...options,
  });
  pamSessions.start();
  const innerTls = new InnerTlsServer({
    credentials: pki.credentials,
    gatewayId: GATEWAY_ID,
    actions: {
      [ALPN.pamProxy]: createPamProxyHandler(pamSessions),
      [ALPN.pamCapabilities]: createPamCapabilitiesHandler('gw-1', pamSessions.resourceTypes),
      [ALPN.pamSessionCancellation]: createPamSessionCancellationHandler(pamSessions),
    },
    logger: logs.logger,
  });
  return { sessions: pamSessions, server: innerTls };
}

afterAll(async () => {
  for (const tunnel of tunnels) await tunnel.close();
  await sessions?.stop();
  server?.close();
  await controlPlane?.close();
  await postgres?.stop();
  if (recordingDir) rmSync(recordingDir, { recursive: true, force: true });
});

interface TestSession {
  sessionId: string;
  certificate: IssuedCertificate;
  tunnel: PamTunnel;
}

/** A PAM session for `role` whose credentials the control plane hands out, and its listener. */
async function openSession(
  credentials: Partial<FakeCredentials> | number,
  lifetimeMs = 3_600_000,
  gateway = server,
): Promise<TestSession> {
  const sessionId = randomUUID();
  controlPlane.sessions.set(
    sessionId,
    typeof credentials === 'number'
      ? credentials
      : {
          host: postgres.host,
          port: postgres.port,
          database: postgres.database,
          username: postgres.scram.username,
          password: postgres.scram.password,
          ...credentials,
        },
  );
  const certificate = await pamCertificate(sessionId, lifetimeMs);
  const tunnel = await openPamTunnel(
    gateway,
    pki.serverCertificateChain,
    certificate,
    ALPN.pamProxy,
  );
  tunnels.push(tunnel);
  return { sessionId, certificate, tunnel };
}

function pamCertificate(sessionId: string, lifetimeMs: number): Promise<IssuedCertificate> {
  return issueGatewayPamClientCertificate({
    issuer: pki.clientCa,
    orgId: ORG_ID,
    gatewayId: GATEWAY_ID,
    actor: { type: 'user', id: 'user-1', name: 'alice@example.com' },
    targetHost: postgres.host,
    targetPort: postgres.port,
    sessionId,
    resourceType: 'postgres',
    lifetimeMs,
  });
}

function role(which: 'scram' | 'md5' | 'plain'): Partial<FakeCredentials> {
  const r: TestRole = postgres[which];
  return { username: r.username, password: r.password };
}

function pgClient(port: number): pg.Client {
  return new pg.Client({
    host: '127.0.0.1',
    port,
    user: 'nobody',
    database: 'nowhere',
    connectionTimeoutMillis: 20_000,
  });
}

/** Ends a session through the cancellation ALPN and returns the events the control plane got. */
async function endAndCollect(session: TestSession): Promise<Event[]> {
  await callOnce(
    server,
    pki.serverCertificateChain,
    session.certificate,
    ALPN.pamSessionCancellation,
  );
  return (await controlPlane.waitForEnd(session.sessionId)) as Event[];
}

function everythingVisible(session: TestSession, events: Event[]): string {
  return [
    Buffer.concat(session.tunnel.fromGateway).toString('latin1'),
    Buffer.concat(session.tunnel.toGateway).toString('latin1'),
    JSON.stringify(logs.lines),
    JSON.stringify(events),
  ].join('\n');
}

test('psql as a SCRAM user runs DDL and queries; every query is recorded in order; the password appears nowhere', async () => {
  const session = await openSession(role('scram'));
  const result = await psql(
    session.tunnel.port,
    [
      'CREATE TABLE orders (id int PRIMARY KEY, item text);',
      "INSERT INTO orders VALUES (1, 'apple'), (2, 'pear');",
      'SELECT item FROM orders ORDER BY id;',
      'SELECT current_user, current_database();',
      '',
    ].join('\n'),
  );
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout).toBe('apple\npear\nscram_user|appdb\n');

  const events = await endAndCollect(session);
  expect(events.map(({ input, output }) => ({ input, output }))).toEqual([
    { input: 'CREATE TABLE orders (id int PRIMARY KEY, item text);', output: 'CREATE TABLE' },
    { input: "INSERT INTO orders VALUES (1, 'apple'), (2, 'pear');", output: 'INSERT 0 2' },
    { input: 'SELECT item FROM orders ORDER BY id;', output: 'SELECT 2' },
    { input: 'SELECT current_user, current_database();', output: 'SELECT 1' },
  ]);
  for (const event of events) expect(Number.isNaN(Date.parse(event.timestamp))).toBe(false);
  // Uploaded as sealed chunks (the reference's protocol), numbered from 0, never as event batches.
  expect(controlPlane.chunkUploads.get(session.sessionId)?.[0]).toBe(0);
  expect(controlPlane.requests.some((line) => line.includes('/event-batches'))).toBe(false);
  expect(everythingVisible(session, events)).not.toContain(postgres.scram.password);
  // The caller never got an authentication request other than AuthenticationOk.
  expect(logs.lines.some((line) => line.method === 'scram-sha-256')).toBe(true);
  // One credentials fetch for the session, one end.
  expect(controlPlane.credentialFetches.get(session.sessionId)).toBe(1);
  expect(controlPlane.ended.get(session.sessionId)).toBeGreaterThanOrEqual(1);
});

test('the pg driver with prepared statements as an MD5 user: parameters are interpolated into the recording', async () => {
  const session = await openSession(role('md5'));
  const client = pgClient(session.tunnel.port);
  await client.connect();
  await client.query('CREATE TABLE md5_items (id int, item text)');
  const insert = 'INSERT INTO md5_items (id, item) VALUES ($1, $2)';
  await client.query({ name: 'insert-item', text: insert, values: [3, "o'clock"] });
  await client.query({ name: 'insert-item', text: insert, values: [4, null] });
  const selected = await client.query(
    'SELECT id, item FROM md5_items WHERE id >= $1 ORDER BY id',
    [3],
  );
  expect(selected.rows).toEqual([
    { id: 3, item: "o'clock" },
    { id: 4, item: null },
  ]);
  const who = await client.query('SELECT current_user AS who');
  expect(who.rows[0].who).toBe('md5_user');
  await expect(client.query('SELECT * FROM nope WHERE id = $1', [1])).rejects.toThrow(
    'relation "nope" does not exist',
  );
  // The connection is still usable after an extended-protocol error.
  expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  await client.end();

  const events = await endAndCollect(session);
  expect(events.map(({ input, output }) => ({ input, output }))).toEqual([
    { input: 'CREATE TABLE md5_items (id int, item text)', output: 'CREATE TABLE' },
    { input: "INSERT INTO md5_items (id, item) VALUES ('3', 'o''clock')", output: 'INSERT 0 1' },
    { input: "INSERT INTO md5_items (id, item) VALUES ('4', NULL)", output: 'INSERT 0 1' },
    { input: "SELECT id, item FROM md5_items WHERE id >= '3' ORDER BY id", output: 'SELECT 2' },
    { input: 'SELECT current_user AS who', output: 'SELECT 1' },
    {
      input: "SELECT * FROM nope WHERE id = '1'",
      output: 'ERROR: relation "nope" does not exist',
    },
    { input: 'SELECT 1 AS one', output: 'SELECT 1' },
  ]);
  expect(everythingVisible(session, events)).not.toContain(postgres.md5.password);
});

test('a cleartext-password user works too; two connections of one session share one recording', async () => {
  const session = await openSession(role('plain'));
  const first = await psql(session.tunnel.port, 'SELECT 40 + 2;');
  const second = await psql(session.tunnel.port, "SELECT 'second';");
  expect([first.stdout, second.stdout]).toEqual(['42\n', 'second\n']);
  const events = await endAndCollect(session);
  expect(events.map((event) => event.input)).toEqual(['SELECT 40 + 2;', "SELECT 'second';"]);
  expect(controlPlane.credentialFetches.get(session.sessionId)).toBe(1);
  expect(everythingVisible(session, events)).not.toContain(postgres.plain.password);
});

test('wrong stored password: psql shows a clear error without the password, and the gateway serves the next session', async () => {
  const wrongPassword = `wrong-${randomUUID()}`;
  const bad = await openSession({ ...role('scram'), password: wrongPassword });
  const result = await psql(bad.tunnel.port, 'SELECT 1;');
  expect(result.code).not.toBe(0);
  expect(result.stderr).toContain(
    'FATAL:  gateway could not authenticate to the database as scram_user: password authentication failed for user "scram_user"',
  );
  expect(everythingVisible(bad, [])).not.toContain(wrongPassword);
  expect(result.stderr).not.toContain(wrongPassword);

  const good = await openSession(role('scram'));
  const ok = await psql(good.tunnel.port, 'SELECT 7;');
  expect(ok.stdout).toBe('7\n');
});

test('target down: psql shows that the gateway could not reach the database', async () => {
  const closedPort = await freePort();
  const session = await openSession({ ...role('scram'), port: closedPort });
  const result = await psql(session.tunnel.port, 'SELECT 1;');
  expect(result.code).not.toBe(0);
  expect(result.stderr).toContain(
    `FATAL:  gateway could not connect: the database at 127.0.0.1:${closedPort} is unreachable`,
  );
});

test('TLS to the database: verified against sslCertificate; without the right CA the login fails clearly', async () => {
  const verified = await openSession({
    ...role('scram'),
    sslEnabled: true,
    sslRejectUnauthorized: true,
    sslCertificate: postgres.certificatePem,
  });
  const ok = await psql(
    verified.tunnel.port,
    'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid();',
  );
  expect(ok.stderr).toBe('');
  expect(ok.stdout).toBe('t\n');

  const unverifiable = await openSession({
    ...role('scram'),
    sslEnabled: true,
    sslRejectUnauthorized: true,
  });
  const refused = await psql(unverifiable.tunnel.port, 'SELECT 1;');
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toContain(
    `FATAL:  gateway could not connect: the database at 127.0.0.1:${postgres.port} failed: TLS handshake failed: self-signed certificate`,
  );
});

test('sslEnabled against a server without TLS is refused, never downgraded', async () => {
  // A stand-in server that answers 'N' to SSLRequest.
  const noTls = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => socket.write('N'));
  });
  await new Promise<void>((resolve) => noTls.listen(0, '127.0.0.1', resolve));
  const { port } = noTls.address() as net.AddressInfo;
  try {
    const session = await openSession({ ...role('scram'), port, sslEnabled: true });
    const result = await psql(session.tunnel.port, 'SELECT 1;');
    expect(result.stderr).toContain(
      `the database at 127.0.0.1:${port} does not accept TLS, but the resource requires it`,
    );
  } finally {
    noTls.close();
  }
});

test('a session the control plane reports as ended or expired (410) is refused with a clear error', async () => {
  const session = await openSession(410);
  const result = await psql(session.tunnel.port, 'SELECT 1;');
  expect(result.code).not.toBe(0);
  expect(result.stderr).toContain(
    `FATAL:  the PAM session ${session.sessionId} has ended or expired`,
  );
});

test('the session expires at the certificate NotAfter: a running query ends with a clear error and the session is ended', async () => {
  const session = await openSession(role('scram'), 4_000);
  const started = Date.now();
  const result = await psql(session.tunnel.port, 'SELECT pg_sleep(30);');
  expect(Date.now() - started).toBeLessThan(15_000);
  expect(result.code).not.toBe(0);
  expect(result.stderr).toMatch(
    new RegExp(`FATAL: {2}the PAM session ${session.sessionId} expired at \\S+Z`),
  );
  const events = (await controlPlane.waitForEnd(session.sessionId)) as Event[];
  expect(events.map((event) => event.input)).toEqual(['SELECT pg_sleep(30);']);
  expect(events[0]!.output).toContain('expired');
});

test('the cancellation ALPN closes live connections, ends the session and refuses later connections', async () => {
  const session = await openSession(role('scram'));
  const client = pgClient(session.tunnel.port);
  const clientError = new Promise<Error>((resolve) => client.on('error', resolve));
  await client.connect();
  await client.query('SELECT 1');
  const events = await endAndCollect(session);
  expect(events.map((event) => event.input)).toEqual(['SELECT 1']);
  expect((await clientError).message).toContain(
    `the PAM session ${session.sessionId} was cancelled`,
  );
  await client.end().catch(() => undefined);

  const later = await psql(session.tunnel.port, 'SELECT 1;');
  expect(later.stderr).toContain(`the PAM session ${session.sessionId} was cancelled`);
});

test('CancelRequest from psql (Ctrl-C) cancels the running query through its own tunnel', async () => {
  const session = await openSession(role('scram'));
  const result = await psql(session.tunnel.port, 'SELECT pg_sleep(30);', (child) => {
    // Ctrl-C once the query is running on the server (psql sends a CancelRequest then).
    void (async () => {
      for (let i = 0; i < 200; i++) {
        const running = await postgres.superuser(
          "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30);'",
        );
        if (running === '1') break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // psql installs its SIGINT handler around the query a moment after the server sees it.
      await new Promise((resolve) => setTimeout(resolve, 500));
      child.kill('SIGINT');
    })();
  });
  expect(result.stderr).toContain('canceling statement due to user request');
  const events = await endAndCollect(session);
  expect(events).toHaveLength(1);
  expect(events[0]!.output).toBe('ERROR: canceling statement due to user request');
  expect(logs.lines.some((line) => line.msg === 'cancel request forwarded to the database')).toBe(
    true,
  );
});

/** A gateway of its own for one test: its PAM sessions, inner TLS server and recording directory. */
interface OwnGateway {
  sessions: PamSessions;
  server: InnerTlsServer;
  dir: string;
  /** A session of the SCRAM role through this gateway. */
  openSession(): Promise<TestSession>;
  /** Ends a session through the cancellation ALPN; resolves once the gateway is done with it. */
  cancel(session: TestSession): Promise<void>;
}

/**
 * Runs `body` against a gateway of its own (a recording directory of its own, `options` over the
 * defaults), then stops it and removes what it left.
 */
async function withOwnGateway(
  options: Partial<PamSessionsOptions>,
  body: (gateway: OwnGateway) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'burrow-pam-own-gateway-'));
  const { sessions: own, server: ownServer } = startPamGateway({ recordingDir: dir, ...options });
  const ownTunnels = tunnels.length;
  try {
    await body({
      sessions: own,
      server: ownServer,
      dir,
      openSession: () => openSession(role('scram'), undefined, ownServer),
      cancel: async (session) => {
        await callOnce(
          ownServer,
          pki.serverCertificateChain,
          session.certificate,
          ALPN.pamSessionCancellation,
        );
      },
    });
  } finally {
    for (const tunnel of tunnels.splice(ownTunnels)) await tunnel.close();
    await own.stop();
    ownServer.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('recording storage bound reached: psql gets a clear FATAL; the running session goes on, loses nothing, and its upload frees space', async () => {
  // Wired as gateway.ts wires it: the bound and the metrics; uploads only when a session ends (no
  // timer pass in between).
  const maxBytes = 2048;
  const metrics = new GatewayMetrics();
  const options = {
    recordingMaxBytes: maxBytes,
    onRecordingStorageFull: metrics.recordingStorageFull,
    uploadIntervalMs: 3_600_000,
  };
  await withOwnGateway(options, async (gateway) => {
    metrics.observeRecordings(gateway.sessions.recordings);
    const sample = async (name: string): Promise<number | undefined> => {
      const line = (await metrics.registry.metrics())
        .split('\n')
        .find((candidate) => candidate.startsWith(`${name} `));
      return line === undefined ? undefined : Number(line.slice(name.length + 1));
    };
    const refusedTotal =
      'burrow_gateway_pam_sessions_refused_total{reason="recording storage full"}';
    const filesOf = (sessionId: string) =>
      readdirSync(gateway.dir).filter((name) => name.includes(sessionId));

    const running = await gateway.openSession();
    const big = `SELECT length('${'x'.repeat(3000)}');`;
    const first = await psql(running.tunnel.port, `${big}\n`);
    expect(first.stderr).toBe('');
    expect(first.stdout).toBe('3000\n');
    expect(await sample('burrow_gateway_recording_storage_bytes')).toBeGreaterThanOrEqual(maxBytes);
    expect(await sample('burrow_gateway_recording_storage_max_bytes')).toBe(maxBytes);

    const refusedSession = await gateway.openSession();
    const refused = await psql(refusedSession.tunnel.port, 'SELECT 1;\n');
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(
      /FATAL: {2}gateway cannot record this session, so it is refused: the gateway's local recordings take \d+\.\d KiB of the 2\.0 KiB allowed \(--pam-session-recording-max-bytes\); new sessions are refused until uploads to the control plane free space\n$/,
    );
    expect(await sample(refusedTotal)).toBe(1);
    expect(filesOf(refusedSession.sessionId)).toEqual([]);

    // The running session keeps recording past the bound.
    const second = await psql(running.tunnel.port, 'SELECT 40 + 2;\n');
    expect(second.stderr).toBe('');
    expect(second.stdout).toBe('42\n');
    await gateway.cancel(running);
    const events = (await controlPlane.waitForEnd(running.sessionId)) as Event[];
    expect(events.map((event) => event.input)).toEqual([big, 'SELECT 40 + 2;']);

    // Uploaded and deleted (before the cancellation stream closed): the space is free again and
    // a new session opens.
    expect(filesOf(running.sessionId)).toEqual([]);
    expect(await sample('burrow_gateway_recording_storage_bytes')).toBeLessThan(maxBytes);
    const later = await gateway.openSession();
    const third = await psql(later.tunnel.port, 'SELECT 7;\n');
    expect(third.stderr).toBe('');
    expect(third.stdout).toBe('7\n');
    expect(await sample(refusedTotal)).toBe(1);
  });
});

test('a record of the local recording changed before its upload: the control plane is told what is missing, the file stays', async () => {
  // The uploader sends only when the session ends, so the change is made before any upload.
  await withOwnGateway({ uploadIntervalMs: 3_600_000 }, async (gateway) => {
    const session = await gateway.openSession();
    const result = await psql(session.tunnel.port, 'SELECT 1;\nSELECT 2;\nSELECT 3;\n');
    expect(result.stdout).toBe('1\n2\n3\n');
    const [file] = readdirSync(gateway.dir).filter(
      (name) => name.includes(session.sessionId) && name.endsWith('.enc'),
    );
    const filePath = path.join(gateway.dir, file as string);
    // One ciphertext byte of record 1 (after record 0: its length prefix and body).
    const bytes = readFileSync(filePath);
    const changed = 4 + bytes.readUInt32BE(0) + 4 + 20;
    bytes[changed] = (bytes[changed] as number) ^ 1;
    writeFileSync(filePath, bytes);

    await gateway.cancel(session);
    const events = (await controlPlane.waitForEnd(session.sessionId)) as Event[];
    expect(events.map((event) => event.input)).toEqual(['SELECT 1;']);
    expect(controlPlane.recordingProblems.get(session.sessionId)).toMatch(
      /^its local recording failed verification, so the upload stops after 1 event: recording record 1 \(byte \d+\) failed authentication: it does not follow record 0 of session /,
    );
    expect(readdirSync(gateway.dir)).toContain(file);
  });
});

test('capabilities: uint32 length + JSON naming the gateway and postgres', async () => {
  const caller = await issueCaller(pki);
  const reply = await callOnce(server, pki.serverCertificateChain, caller, ALPN.pamCapabilities);
  const length = reply.readUInt32BE(0);
  expect(reply.length).toBe(4 + length);
  expect(JSON.parse(reply.subarray(4).toString('utf8'))).toEqual({
    gatewayName: 'gw-1',
    supportedResourceTypes: ['postgres'],
  });
});

test('pam-proxy without a PAM certificate extension is closed without a byte', async () => {
  const caller = await issueCaller(pki, postgres.host, postgres.port);
  const reply = await callOnce(server, pki.serverCertificateChain, caller, ALPN.pamProxy);
  expect(reply.length).toBe(0);
  await logs.waitFor(/carries no PAM session/);
});
