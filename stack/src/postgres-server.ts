import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.ts';

/**
 * A throwaway PostgreSQL server for tests and the local demo: `initdb` + `pg_ctl` on a free
 * 127.0.0.1 port, data and socket in a fresh temp dir, no fsync. As root the server runs as the
 * `postgres` user (`runuser -u postgres --`, it refuses to run as root) in a dir chowned to it.
 *
 * Authentication (pg_hba.conf): the Unix socket trusts everyone (admin set-up from the test);
 * TCP on 127.0.0.1 asks for a password, `md5` for the roles given in `md5Users`, SCRAM-SHA-256
 * for every other role. So a role created by {@link PostgresServer.createLoginRole} with `md5`
 * really authenticates with MD5 and one with `scram-sha-256` with SCRAM.
 *
 * Stop it with {@link PostgresServer.stop} (`pg_ctl stop -m immediate`, then SIGKILL to the
 * postmaster PID if that fails).
 *
 * @example
 *   const pg = await startPostgres({ md5Users: ['legacy_app'] });
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
  /** Runs SQL as the superuser over the Unix socket; resolves with psql's unaligned output. */
  sql(sql: string, database?: string): Promise<string>;
  /** Creates a LOGIN role whose password is stored (and checked) with `method`. */
  createLoginRole(name: string, password: string, method: 'scram-sha-256' | 'md5'): Promise<void>;
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Roles that authenticate with MD5 over TCP (all others: SCRAM-SHA-256). */
  md5Users?: string[];
}

const START_TIMEOUT_S = 30;

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
  const asRoot = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-pg-'));
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    fs.chownSync(dir, uid, gid);
  }
  const run = (binary: string, args: string[]): Promise<string> => {
    const file = path.join(binDir, binary);
    const [command, commandArgs] = asRoot
      ? ['runuser', ['-u', 'postgres', '--', file, ...args]]
      : [file, args];
    return execFileText(command, commandArgs, { cwd: dir, timeoutMs: 60_000 });
  };

  const port = await freePort();
  await run('initdb', [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
  ]);
  const hba = [
    '# burrow test server: socket trusted for set-up; TCP needs a password',
    'local all all trust',
    ...(options.md5Users ?? []).map((user) => `host all ${user} 127.0.0.1/32 md5`),
    'host all all 127.0.0.1/32 scram-sha-256',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(dataDir, 'pg_hba.conf'), hba);
  const stop = async (): Promise<void> => {
    try {
      await run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', '-t', '20', 'stop']);
    } catch {
      // pg_ctl failed: kill the postmaster by the PID it recorded.
      const pid = Number(readFirstLine(path.join(dataDir, 'postmaster.pid')));
      if (pid > 0) {
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
    await run('pg_ctl', [
      '-D',
      dataDir,
      '-l',
      logFile,
      '-w',
      '-t',
      String(START_TIMEOUT_S),
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`,
      'start',
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  const sql = (statement: string, database = 'postgres'): Promise<string> =>
    execFileText(
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
        'postgres',
        '-d',
        database,
        '-c',
        statement,
      ],
      { timeoutMs: 30_000 },
    );
  return {
    host: '127.0.0.1',
    port,
    pid: Number(readFirstLine(path.join(dataDir, 'postmaster.pid'))),
    dir,
    logFile,
    sql,
    async createLoginRole(name, password, method) {
      await sql(
        `SET password_encryption = '${method}'; CREATE ROLE ${quoteIdentifier(name)} LOGIN PASSWORD ${quoteLiteral(password)}`,
      );
    },
    stop,
  };
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
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
  options: { cwd?: string; timeoutMs: number },
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, timeout: options.timeoutMs, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error)
          reject(
            new Error(
              `${path.basename(command)} ${args[0] ?? ''} failed: ${stderr.trim() || error.message}`,
            ),
          );
        else resolve(stdout);
      },
    );
  });
}
