import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  findPsql,
  freePort,
  isProcessRunning,
  startPostgres,
  type PostgresServer,
} from '../src/index.ts';

// The launcher's directories go under os.tmpdir(). A child process whose TMPDIR is a directory
// of this test's own shows exactly what the launcher leaves behind, even while other tests run.
let scratch: string;

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-test-support-'));
  // Traversable by the postgres user the server runs as when the tests run as root.
  fs.chmodSync(scratch, 0o711);
});

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** Runs `body` (ESM, with startPostgres in scope) in a child node whose TMPDIR is `scratch`. */
function inChildWithScratchTmpdir(body: string): Promise<string> {
  const source = pathToFileURL(path.resolve('src/index.ts')).href;
  const script = `import { startPostgres } from ${JSON.stringify(source)};\n${body}`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      { env: { ...process.env, TMPDIR: scratch }, timeout: 60_000 },
      (error, stdout, stderr) =>
        error ? reject(new Error(stderr || error.message)) : resolve(stdout),
    );
  });
}

/** psql over TCP (never the socket) with a password; resolves with its output or rejects. */
function psqlOverTcp(
  server: PostgresServer,
  user: string,
  password: string,
  sql: string,
  sslmode = 'disable',
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      findPsql() as string,
      [
        '-X',
        '-A',
        '-t',
        '-c',
        sql,
        `host=127.0.0.1 port=${server.port} dbname=postgres user=${user} sslmode=${sslmode}`,
      ],
      { env: { ...process.env, PGPASSWORD: password }, timeout: 20_000 },
      (error, stdout, stderr) =>
        error ? reject(new Error(stderr || error.message)) : resolve(stdout.trim()),
    );
  });
}

function postmasterPid(server: PostgresServer): number {
  return Number(
    fs.readFileSync(path.join(server.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0],
  );
}

describe('startPostgres', () => {
  it('runs a real server on 127.0.0.1 with a password method per role, and stop() leaves nothing behind', async () => {
    const server = await startPostgres({ tcpAuth: { legacy: 'md5' }, tls: true });
    const pid = postmasterPid(server);
    try {
      expect(isProcessRunning(pid)).toBe(true);
      await server.createLoginRole('modern', 'modern-pw', 'scram-sha-256');
      await server.createLoginRole('legacy', 'legacy-pw', 'md5');
      await server.createLoginRole('sha_stored', 'sha-pw', 'scram-sha-256');

      expect(await psqlOverTcp(server, 'modern', 'modern-pw', 'SELECT 40 + 2')).toBe('42');
      expect(await psqlOverTcp(server, 'legacy', 'legacy-pw', 'SELECT current_user')).toBe(
        'legacy',
      );
      // Each role authenticates the way it was set up, and only with its password.
      expect(
        await server.sql("SELECT rolpassword LIKE 'md5%' FROM pg_authid WHERE rolname = 'legacy'"),
      ).toBe('t');
      expect(
        await server.sql(
          "SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = 'modern'",
        ),
      ).toBe('t');
      await expect(psqlOverTcp(server, 'modern', 'wrong', 'SELECT 1')).rejects.toThrow(
        /password authentication failed/,
      );
      // TLS is served with the certificate handed out.
      expect(server.certificatePem).toMatch(/^-----BEGIN CERTIFICATE-----/);
      expect(
        await psqlOverTcp(
          server,
          'modern',
          'modern-pw',
          'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
          'require',
        ),
      ).toBe('t');
    } finally {
      await server.stop();
    }
    expect(isProcessRunning(pid)).toBe(false);
    expect(fs.existsSync(server.dir)).toBe(false);
    await server.stop(); // a second stop does nothing
  });

  it('leaves nothing in the temp dir, after a stop or a failed start', async () => {
    const output = await inChildWithScratchTmpdir(`
      const server = await startPostgres({ tls: true });
      console.log(server.dir);
      await server.stop();
      // A server that cannot start: its port is taken.
      const net = await import('node:net');
      const blocker = net.createServer();
      await new Promise((resolve) => blocker.listen(server.port, '127.0.0.1', resolve));
      const failure = await startPostgres({ port: server.port }).catch((error) => error);
      blocker.close();
      console.log(failure.message.split('\\n')[0]);
    `);
    const [dir, failure] = output.trim().split('\n');
    expect(path.dirname(dir ?? '')).toBe(scratch);
    expect(failure).toMatch(/^pg_ctl start failed/);
    expect(fs.readdirSync(scratch)).toEqual([]);
  });

  it('takes a directory, a port, a superuser name and trusted TCP (the compose stand-in)', async () => {
    const port = await freePort();
    const dir = path.join(scratch, 'compose', 'postgres');
    fs.mkdirSync(path.dirname(dir), { mode: 0o711 });
    const server = await startPostgres({ dir, port, superuser: 'burrow', trustTcp: true });
    try {
      expect(server).toMatchObject({ dir, port, superuser: 'burrow', certificatePem: undefined });
      expect(await psqlOverTcp(server, 'burrow', '', 'SELECT current_user')).toBe('burrow');
    } finally {
      await server.stop();
    }
    expect(fs.existsSync(dir)).toBe(false);
    fs.rmSync(path.join(scratch, 'compose'), { recursive: true });
  });
});
