/**
 * A PostgreSQL account's stored credentials, as the control plane sends them in
 * `GET /api/v1/pam/sessions/:id/credentials` (docs/pam-contract.md):
 *
 *   {host, port (number or numeric string), database, username, password,
 *    sslEnabled?, sslRejectUnauthorized? (default true), sslCertificate? (PEM)}
 *
 * Checked field by field; an error names the field and never quotes a value.
 */
import {
  credentialsObject,
  portNumber,
  requiredText,
  targetTlsSettings,
} from '../credential-fields.ts';
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
  const c = credentialsObject(raw);
  const text = (key: string): string => requiredText(c, key);
  const port = portNumber(c);
  const password = c.password;
  if (typeof password !== 'string') throw new Error('credentials.password is not a string');
  return {
    host: text('host'),
    port,
    database: text('database'),
    username: text('username'),
    password,
    sslEnabled: c.sslEnabled === true,
    ...targetTlsSettings(c),
  };
}
