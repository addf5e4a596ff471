import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.ts';
import { processExited } from './process-state.ts';
import { createSelfSignedCertificate } from './self-signed-certificate.ts';

/**
 * A throwaway PostgreSQL server for tests, the local demo (`scripts/run-stack.sh`) and the
 * compose stand-in: `initdb` + `pg_ctl` on 127.0.0.1, data, socket and log in one directory, no
 * fsync. As root the server runs as the `postgres` user (`runuser -u postgres --`; it refuses to
 * run as root) in a directory chowned to it.
 *
 * Authentication (pg_hba.conf): the Unix socket trusts everyone (set-up by the test through
 * {@link PostgresServer.sql}); TCP on 127.0.0.1 asks for a password, with the method given per
 * role in `tcpAuth` (`md5`, `password` = cleartext, `scram-sha-256`) and SCRAM-SHA-256 for every
 * other role — so a role created by {@link PostgresServer.createLoginRole} with `md5` really
 * authenticates with MD5. `trustTcp` trusts TCP too, as the postgres image does with
 * `POSTGRES_HOST_AUTH_METHOD=trust`.
 *
 * Stop it with {@link PostgresServer.stop}: `pg_ctl stop -m immediate`, SIGKILL to the postmaster
 * PID if that fails, then the directory is removed (also one the caller chose).
 *
 * @example
 *   const pg = await startPostgres({ tcpAuth: { legacy_app: 'md5' } });
 *   await pg.createLoginRole('app', 'pw', 'scram-sha-256');
 *   await pg.sql('CREATE DATABASE orders OWNER app');
 *   ...
 *   await pg.stop();
 */
export interface PostgresServer {
  host: '127.0.0.1';
  port: number;
  /** The postmaster's PID (pg_ctl starts it detached: its parent is PID 1, not this process). */
  pid: number;
  /** Directory of data, socket and log; removed by stop(). */
  dir: string;
  logFile: string;
  /** The superuser's name (trusted over the Unix socket). */
  superuser: string;
  /** PEM of the server's self-signed certificate (SAN IP:127.0.0.1) when started with `tls`. */
  certificatePem: string | undefined;
  /** Runs SQL as the superuser over the Unix socket; resolves with psql's unaligned output. */
  sql(sql: string, database?: string): Promise<string>;
  /** Creates a LOGIN role whose password is stored (and checked) with `method`. */
  createLoginRole(name: string, password: string, method: PasswordStorage): Promise<void>;
  /** Stops the server and removes its directory; later calls do nothing. */
  stop(): Promise<void>;
}

/** How a role's password is stored (`password_encryption`). */
export type PasswordStorage = 'scram-sha-256' | 'md5';

/** pg_hba methods for TCP: `password` sends the password in clear text (over TLS or not). */
export type TcpAuthMethod = 'scram-sha-256' | 'md5' | 'password';

export interface StartPostgresOptions {
  /** The TCP password method per role; every other role: SCRAM-SHA-256. */
  tcpAuth?: Record<string, TcpAuthMethod>;
  /** Trust every TCP connection (no password at all). */
  trustTcp?: boolean;
  /** Serve TLS (clients may still connect without) with a fresh self-signed certificate. */
  tls?: boolean;
  /** The superuser's name (default `postgres`). */
  superuser?: string;
  /** The TCP port (default: a free one). */
  port?: number;
  /** Where data, socket and log go (default: a fresh directory under the temp dir). */
  dir?: string;
}

const START_TIMEOUT_S = 30;
/** How long a stopped postmaster may take to exit before it is killed. */
const STOP_GRACE_MS = 5_000;

/**
 * The directory holding initdb/pg_ctl/postgres: the one of `initdb` on PATH, else the newest
 * /usr/lib/postgresql/<version>/bin (Debian's layout); undefined when PostgreSQL is not installed.
 */
export function findPostgresBinDir(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'initdb');
    if (dir && fs.existsSync(candidate)) return path.dirname(fs.realpathSync(candidate));
  }
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  const versions = fs
    .readdirSync(root)
    .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : undefined;
}

/** Finds `psql` (PATH, then next to initdb). */
export function findPsql(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && fs.existsSync(path.join(dir, 'psql'))) return path.join(dir, 'psql');
  }
  const binDir = findPostgresBinDir();
  return binDir && fs.existsSync(path.join(binDir, 'psql')) ? path.join(binDir, 'psql') : undefined;
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const binDir = findPostgresBinDir();
  if (!binDir)
    throw new Error('PostgreSQL is not installed (no initdb on PATH or in /usr/lib/postgresql)');
  const psql = findPsql();
  if (!psql) throw new Error('psql is not installed');
  const superuser = options.superuser ?? 'postgres';
  const owner = process.getuid?.() === 0 ? postgresUser() : undefined;
  let dir: string;
  if (options.dir === undefined) dir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-pg-'));
  else {
    dir = options.dir;
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  const run = (binary: string, args: string[]): Promise<string> => {
    const file = path.join(binDir, binary);
    const [command, commandArgs] = owner
      ? ['runuser', ['-u', 'postgres', '--', file, ...args]]
      : [file, args];
    // pg_ctl's action is its last argument: errors read "pg_ctl start failed: …".
    const label = binary === 'pg_ctl' ? `pg_ctl ${args.at(-1)}` : binary;
    return execFileText(command, commandArgs, { cwd: dir, timeoutMs: 60_000, label });
  };
  let started = false;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (started) {
      const pid = Number(readFirstLine(path.join(dataDir, 'postmaster.pid')));
      await run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', '-t', '20', 'stop']).catch(
        () => undefined,
      );
      // pg_ctl returns once the PID file is gone, a moment before the postmaster has exited; a
      // postmaster still there after the grace period (or a failed pg_ctl) is killed by its PID.
      if (pid > 0 && !(await processExited(pid, STOP_GRACE_MS))) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    if (owner) fs.chownSync(dir, owner.uid, owner.gid);
    const port = options.port ?? (await freePort());
    await run('initdb', [
      '-D',
      dataDir,
      '-U',
      superuser,
      '--auth=trust',
      '--no-sync',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
    ]);
    const hba = [
      '# burrow test server: socket trusted for set-up; TCP needs a password unless trustTcp',
      'local all all trust',
      ...Object.entries(options.tcpAuth ?? {}).map(
        ([role, method]) => `host all ${role} 127.0.0.1/32 ${method}`,
      ),
      `host all all 127.0.0.1/32 ${options.trustTcp ? 'trust' : 'scram-sha-256'}`,
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dataDir, 'pg_hba.conf'), hba);
    const serverSettings = [
      `-p ${port}`,
      `-k ${dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c password_encryption=scram-sha-256',
    ];
    let certificatePem: string | undefined;
    if (options.tls) {
      const written = await writeSelfSignedCertificate(dir, owner);
      certificatePem = written.certificatePem;
      const { certFile, keyFile } = written;
      serverSettings.push(
        '-c ssl=on',
        `-c ssl_cert_file=${certFile}`,
        `-c ssl_key_file=${keyFile}`,
      );
    }
    started = true;
    await run('pg_ctl', [
      '-D',
      dataDir,
      '-l',
      logFile,
      '-w',
      '-t',
      String(START_TIMEOUT_S),
      '-o',
      serverSettings.join(' '),
      'start',
    ]);
    const sql = async (statement: string, database = 'postgres'): Promise<string> =>
      (
        await execFileText(
          psql,
          [
            '-X',
            '-q',
            '-A',
            '-t',
            '-v',
            'ON_ERROR_STOP=1',
            '-h',
            dir,
            '-p',
            String(port),
            '-U',
            superuser,
            '-d',
            database,
            '-c',
            statement,
          ],
          { timeoutMs: 30_000, label: 'psql' },
        )
      ).trim();
    return {
      host: '127.0.0.1',
      port,
      pid: Number(readFirstLine(path.join(dataDir, 'postmaster.pid'))),
      dir,
      logFile,
      superuser,
      certificatePem,
      sql,
      async createLoginRole(name, password, method) {
        await sql(
          `SET password_encryption = '${method}'; CREATE ROLE ${quoteIdentifier(name)} LOGIN PASSWORD ${quoteLiteral(password)}`,
        );
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Quotes a PostgreSQL identifier (role, database). */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes a PostgreSQL string literal. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string): number =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** A self-signed certificate for 127.0.0.1; the key belongs to the server's user, mode 0600. */
async function writeSelfSignedCertificate(
  dir: string,
  owner: { uid: number; gid: number } | undefined,
): Promise<{ certFile: string; keyFile: string; certificatePem: string }> {
  const { certificatePem, privateKeyPem } = await createSelfSignedCertificate('127.0.0.1');
  const certFile = path.join(dir, 'server.crt');
  const keyFile = path.join(dir, 'server.key');
  fs.writeFileSync(certFile, certificatePem);
  fs.writeFileSync(keyFile, privateKeyPem, { mode: 0o600 });
  if (owner) {
    fs.chownSync(certFile, owner.uid, owner.gid);
    fs.chownSync(keyFile, owner.uid, owner.gid);
  }
  return { certFile, keyFile, certificatePem };
}

function readFirstLine(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n')[0] ?? '';
  } catch {
    return '';
  }
}

function execFileText(
  command: string,
  args: string[],
  options: { cwd?: string; timeoutMs: number; label: string },
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, timeout: options.timeoutMs, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${options.label} failed: ${stderr.trim() || error.message}`));
        else resolve(stdout);
      },
    );
  });
}
