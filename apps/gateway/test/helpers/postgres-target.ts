/**
 * The PAM tests' PostgreSQL target: @burrow/test-support's throwaway server with TLS on (a
 * self-signed certificate for 127.0.0.1; clients may still connect without TLS) and one role per
 * password method the gateway must speak:
 * `scram_user` (stored as SCRAM-SHA-256, pg_hba scram-sha-256), `md5_user` (MD5 hash, pg_hba md5),
 * `plain_user` (pg_hba password = cleartext on the wire); database `appdb` owned by scram_user.
 */
import { startPostgres } from '@burrow/test-support';

export interface TestRole {
  readonly username: string;
  readonly password: string;
}

export interface PostgresTarget {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly database: 'appdb';
  readonly scram: TestRole;
  readonly md5: TestRole;
  readonly plain: TestRole;
  /** PEM of the server's self-signed TLS certificate (SAN IP:127.0.0.1). */
  readonly certificatePem: string;
  /** Runs SQL as the postgres superuser over the Unix socket; returns psql's unaligned output. */
  superuser(sql: string, database?: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startPostgresTarget(): Promise<PostgresTarget> {
  const server = await startPostgres({
    tls: true,
    tcpAuth: { scram_user: 'scram-sha-256', md5_user: 'md5', plain_user: 'password' },
  });
  try {
    const suffix = Math.random().toString(36).slice(2, 10);
    const scram = { username: 'scram_user', password: `scram-Pw-${suffix}-x9` };
    const md5 = { username: 'md5_user', password: `md5-Pw-${suffix}-y8` };
    const plain = { username: 'plain_user', password: `plain-Pw-${suffix}-z7` };
    await server.createLoginRole(scram.username, scram.password, 'scram-sha-256');
    await server.createLoginRole(md5.username, md5.password, 'md5');
    await server.createLoginRole(plain.username, plain.password, 'scram-sha-256');
    await server.sql('CREATE DATABASE appdb OWNER scram_user');
    await server.sql('GRANT ALL ON DATABASE appdb TO md5_user, plain_user');
    await server.sql('GRANT ALL ON SCHEMA public TO md5_user, plain_user', 'appdb');
    return {
      host: server.host,
      port: server.port,
      database: 'appdb',
      scram,
      md5,
      plain,
      certificatePem: server.certificatePem as string,
      superuser: server.sql,
      stop: server.stop,
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
