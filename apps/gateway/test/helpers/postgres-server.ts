/**
 * A throwaway PostgreSQL server for tests (toolchain notes §6): initdb + pg_ctl as the postgres
 * user (the server refuses to run as root) in a mkdtemp directory, on a free 127.0.0.1 port.
 *
 * Roles: `scram_user` (password stored as SCRAM-SHA-256, pg_hba scram-sha-256), `md5_user` (MD5
 * hash, pg_hba md5), `plain_user` (pg_hba password = cleartext on the wire); database `appdb`
 * owned by scram_user. `postgres` over the Unix socket is trusted (setup only). TLS is on with a
 * self-signed certificate for 127.0.0.1 (clients may still connect without TLS).
 */
import { execFile } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestRole {
  readonly username: string;
  readonly password: string;
}

export interface PostgresServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly database: 'appdb';
  readonly scram: TestRole;
  readonly md5: TestRole;
  readonly plain: TestRole;
  /** PEM of the server's self-signed TLS certificate (SAN IP:127.0.0.1); ssl is on. */
  readonly certificatePem: string;
  /** Runs SQL as the postgres superuser over the Unix socket; returns psql's unaligned output. */
  superuser(sql: string, database?: string): Promise<string>;
  stop(): Promise<void>;
}

/** The PostgreSQL binaries directory (the newest installed major version). */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = readdirSync(root)
    .filter((name) => /^[0-9]+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error('no PostgreSQL server under /usr/lib/postgresql');
  return path.join(root, versions[0]!, 'bin');
}

/** A port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'burrow-pg-'));
  const { stdout: uidText } = await run('id', ['-u', 'postgres']);
  const { stdout: gidText } = await run('id', ['-g', 'postgres']);
  chownSync(dir, Number(uidText.trim()), Number(gidText.trim()));
  const data = path.join(dir, 'data');
  const asPostgres = (command: string, args: string[]) =>
    run('runuser', ['-u', 'postgres', '--', path.join(bin, command), ...args]);

  await asPostgres('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
  ]);
  writeFileSync(
    path.join(data, 'pg_hba.conf'),
    [
      'local all postgres trust',
      'host all scram_user 127.0.0.1/32 scram-sha-256',
      'host all md5_user 127.0.0.1/32 md5',
      'host all plain_user 127.0.0.1/32 password',
      '',
    ].join('\n'),
  );
  // TLS: a self-signed certificate for 127.0.0.1; the key must belong to postgres, mode 0600.
  const certFile = path.join(dir, 'server.crt');
  const keyFile = path.join(dir, 'server.key');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ]);
  const uid = Number(uidText.trim());
  const gid = Number(gidText.trim());
  chownSync(certFile, uid, gid);
  chownSync(keyFile, uid, gid);
  chmodSync(keyFile, 0o600);
  const certificatePem = readFileSync(certFile, 'utf8');
  const port = await freePort();
  await asPostgres('pg_ctl', [
    '-D',
    data,
    '-l',
    path.join(dir, 'server.log'),
    '-w',
    '-t',
    '30',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c password_encryption=scram-sha-256 -c ssl=on -c ssl_cert_file=${certFile} -c ssl_key_file=${keyFile}`,
    'start',
  ]);

  const superuser = async (sql: string, database = 'postgres'): Promise<string> => {
    const { stdout } = await run('psql', [
      '-h',
      dir,
      '-p',
      String(port),
      '-U',
      'postgres',
      '-d',
      database,
      '-v',
      'ON_ERROR_STOP=1',
      '-X',
      '-q',
      '-A',
      '-t',
      '-c',
      sql,
    ]);
    return stdout.trim();
  };
  const suffix = Math.random().toString(36).slice(2, 10);
  const scram = { username: 'scram_user', password: `scram-Pw-${suffix}-x9` };
  const md5 = { username: 'md5_user', password: `md5-Pw-${suffix}-y8` };
  const plain = { username: 'plain_user', password: `plain-Pw-${suffix}-z7` };
  await superuser(`CREATE ROLE scram_user LOGIN PASSWORD '${scram.password}'`);
  await superuser(
    `SET password_encryption = 'md5'; CREATE ROLE md5_user LOGIN PASSWORD '${md5.password}'`,
  );
  await superuser(`CREATE ROLE plain_user LOGIN PASSWORD '${plain.password}'`);
  await superuser('CREATE DATABASE appdb OWNER scram_user');
  await superuser('GRANT ALL ON DATABASE appdb TO md5_user, plain_user');
  await superuser('GRANT ALL ON SCHEMA public TO md5_user, plain_user', 'appdb');

  let stopped = false;
  return {
    host: '127.0.0.1',
    port,
    database: 'appdb',
    scram,
    md5,
    plain,
    certificatePem,
    superuser,
    async stop() {
      if (stopped) return;
      stopped = true;
      await asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(
        () => undefined,
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
