/**
 * A throwaway PostgreSQL cluster standing in for the compose `postgres` service: initdb + pg_ctl
 * in a scratch directory, listening on 127.0.0.1 only, with the service's POSTGRES_USER and
 * POSTGRES_DB. The server refuses to run as root, so as root it runs as the `postgres` user
 * (runuser), as the Debian package sets up.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface LocalPostgres {
  port: number;
  stop(): void;
}

/** The newest installed server binaries, e.g. /usr/lib/postgresql/15/bin. */
export function postgresBinDir(): string {
  const base = '/usr/lib/postgresql';
  const versions = fs.existsSync(base)
    ? fs.readdirSync(base).filter((entry) => fs.existsSync(path.join(base, entry, 'bin', 'initdb')))
    : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions[0] === undefined)
    throw new Error('PostgreSQL server not installed (scripts/system-deps.sh installs it)');
  return path.join(base, versions[0], 'bin');
}

export function startLocalPostgres(options: {
  dir: string;
  port: number;
  user: string;
  database: string;
}): LocalPostgres {
  const bin = postgresBinDir();
  const asRoot = process.getuid?.() === 0;
  const run = (command: string, args: string[]): void => {
    const file = path.join(bin, command);
    if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', file, ...args], { stdio: 'pipe' });
    else execFileSync(file, args, { stdio: 'pipe' });
  };
  fs.mkdirSync(options.dir, { recursive: true });
  if (asRoot) execFileSync('chown', ['postgres:postgres', options.dir]);
  const data = path.join(options.dir, 'data');
  run('initdb', [
    '-D',
    data,
    '-U',
    options.user,
    '--auth=trust',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
  ]);
  run('pg_ctl', [
    '-D',
    data,
    '-l',
    path.join(options.dir, 'server.log'),
    '-w',
    '-t',
    '30',
    '-o',
    `-p ${options.port} -k ${options.dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
    'start',
  ]);
  if (options.database !== 'postgres' && options.database !== options.user) {
    execFileSync(path.join(bin, 'createdb'), [
      '-h',
      '127.0.0.1',
      '-p',
      String(options.port),
      '-U',
      options.user,
      options.database,
    ]);
  }
  return {
    port: options.port,
    stop: () => run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']),
  };
}
