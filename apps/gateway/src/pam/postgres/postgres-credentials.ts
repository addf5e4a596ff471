/**
 * A PostgreSQL account's stored credentials, as the control plane sends them in
 * `GET /api/v1/pam/sessions/:id/credentials` (docs/pam-contract.md):
 *
 *   {host, port (number or numeric string), database, username, password,
 *    sslEnabled?, sslRejectUnauthorized? (default true), sslCertificate? (PEM)}
 *
 * Checked field by field; an error names the field and never quotes a value.
 */
import type { PostgresTarget } from './target-connection.ts';

/** What the gateway knows about the database of a session. */
export interface PostgresCredentials extends PostgresTarget {
  readonly database: string;
  readonly username: string;
  readonly password: string;
}

/**
 * @example
 *   const credentials = parsePostgresCredentials(answer.credentials);
 */
export function parsePostgresCredentials(raw: unknown): PostgresCredentials {
  if (!raw || typeof raw !== 'object') {
    throw new Error('credentials answer has no credentials object');
  }
  const c = raw as Record<string, unknown>;
  const text = (key: string): string => {
    const value = c[key];
    if (typeof value !== 'string' || value === '') {
      throw new Error(`credentials.${key} is missing or not a string`);
    }
    return value;
  };
  const port = typeof c.port === 'string' ? Number(c.port) : c.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error('credentials.port is not a port number');
  }
  const password = c.password;
  if (typeof password !== 'string') throw new Error('credentials.password is not a string');
  return {
    host: text('host'),
    port,
    database: text('database'),
    username: text('username'),
    password,
    sslEnabled: c.sslEnabled === true,
    // Verification is the safe default when the field is absent.
    sslRejectUnauthorized: c.sslRejectUnauthorized !== false,
    sslCertificate:
      typeof c.sslCertificate === 'string' && c.sslCertificate.trim() !== ''
        ? c.sslCertificate
        : undefined,
  };
}
