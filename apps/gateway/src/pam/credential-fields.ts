/**
 * Field checks shared by every protocol's reading of the credentials answer
 * (`GET /api/v1/pam/sessions/:id/credentials`, `credentials` object). Each check names the field
 * and never quotes its value: the values are secrets.
 *
 * @example
 *   const c = credentialsObject(raw);
 *   const host = requiredText(c, 'host');
 *   const port = portNumber(c);
 */

export type CredentialFields = Record<string, unknown>;

/** The answer's `credentials` object, or an error when there is none. */
export function credentialsObject(raw: unknown): CredentialFields {
  if (!raw || typeof raw !== 'object') {
    throw new Error('credentials answer has no credentials object');
  }
  return raw as CredentialFields;
}

/** A non-empty string field. */
export function requiredText(c: CredentialFields, key: string): string {
  const value = c[key];
  if (typeof value !== 'string' || value === '') {
    throw new Error(`credentials.${key} is missing or not a string`);
  }
  return value;
}

/** `port`, as a number or a numeric string (the reference sends either). */
export function portNumber(c: CredentialFields): number {
  const port = typeof c.port === 'string' ? Number(c.port) : c.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error('credentials.port is not a port number');
  }
  return port;
}

/** The TLS settings of a target: verification is the safe default when the field is absent. */
export function targetTlsSettings(c: CredentialFields): {
  sslRejectUnauthorized: boolean;
  sslCertificate: string | undefined;
} {
  return {
    sslRejectUnauthorized: c.sslRejectUnauthorized !== false,
    sslCertificate:
      typeof c.sslCertificate === 'string' && c.sslCertificate.trim() !== ''
        ? c.sslCertificate
        : undefined,
  };
}
