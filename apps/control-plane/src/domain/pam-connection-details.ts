import { formatSshPublicKeyLine, parseSshPublicKeyLine } from '@burrow/pki';
import { InvalidRequestError } from './errors.ts';

/**
 * A PAM resource's connection details, checked against its type when saved (the create body
 * holds one object with either type's fields: @burrow/platform-api routes/pam-resources.ts).
 *
 *   postgres  {host, port, database, sslEnabled?, sslRejectUnauthorized?, sslCertificate?}
 *   ssh       {host, port, hostKeys?, hostCertificateAuthorities?}: at least one of the lists is
 *             non-empty (the gateway never trusts a target's host key on first use) and every
 *             entry parses as an OpenSSH public key line; stored as `<type> <base64> [comment]`
 *   http, kubernetes  {url, testPath? (http), sslRejectUnauthorized?, sslCertificate?}: url an
 *             http(s) origin (no path, query or user), stored as `scheme://host[:port]`
 *
 * A field of the other type is refused rather than silently dropped, so a typo'd request never
 * saves a resource that is not what the admin meant.
 *
 * @example
 *   const details = checkConnectionDetails('ssh', { host: '10.0.0.5', port: 22, hostKeys: [line] });
 */
export type PamResourceType = 'postgres' | 'ssh' | 'http' | 'kubernetes';

export interface PamPostgresConnectionDetails {
  host: string;
  port: number;
  database: string;
  sslEnabled?: boolean;
  sslRejectUnauthorized?: boolean;
  sslCertificate?: string;
}

export interface PamSshConnectionDetails {
  host: string;
  port: number;
  hostKeys?: string[];
  hostCertificateAuthorities?: string[];
}

/** A web application's or Kubernetes API server's origin and TLS settings. */
export interface PamHttpConnectionDetails {
  url: string;
  /** http: what the connection test GETs (default "/"). */
  testPath?: string;
  sslRejectUnauthorized?: boolean;
  sslCertificate?: string;
}

export type PamConnectionDetails =
  PamPostgresConnectionDetails | PamSshConnectionDetails | PamHttpConnectionDetails;

/** What the create body may hold: either type's fields. */
export interface PamConnectionDetailsInput {
  host?: string | undefined;
  port?: number | undefined;
  url?: string | undefined;
  testPath?: string | undefined;
  database?: string | undefined;
  sslEnabled?: boolean | undefined;
  sslRejectUnauthorized?: boolean | undefined;
  sslCertificate?: string | undefined;
  hostKeys?: string[] | undefined;
  hostCertificateAuthorities?: string[] | undefined;
}

const POSTGRES_ONLY = [
  'database',
  'sslEnabled',
  'sslRejectUnauthorized',
  'sslCertificate',
] as const;
const SSH_ONLY = ['hostKeys', 'hostCertificateAuthorities'] as const;
const HTTP_ONLY = ['url', 'testPath'] as const;

export function checkConnectionDetails(
  resourceType: PamResourceType,
  input: PamConnectionDetailsInput,
): PamConnectionDetails {
  if (resourceType === 'http' || resourceType === 'kubernetes') {
    return checkHttpDetails(resourceType, input);
  }
  refuseFields(resourceType, input, HTTP_ONLY);
  const { host, port } = input;
  if (host === undefined || port === undefined) {
    throw new InvalidRequestError(
      `connectionDetails.host and connectionDetails.port are required for a ${resourceType} resource`,
    );
  }
  if (resourceType === 'postgres') {
    refuseFields(resourceType, input, SSH_ONLY);
    if (input.database === undefined) {
      throw new InvalidRequestError(
        'connectionDetails.database is required for a postgres resource',
      );
    }
    return {
      host,
      port,
      database: input.database,
      ...(input.sslEnabled !== undefined ? { sslEnabled: input.sslEnabled } : {}),
      ...(input.sslRejectUnauthorized !== undefined
        ? { sslRejectUnauthorized: input.sslRejectUnauthorized }
        : {}),
      ...(input.sslCertificate !== undefined ? { sslCertificate: input.sslCertificate } : {}),
    };
  }
  refuseFields(resourceType, input, POSTGRES_ONLY);
  const hostKeys = publicKeyLines(input.hostKeys, 'hostKeys');
  const hostCertificateAuthorities = publicKeyLines(
    input.hostCertificateAuthorities,
    'hostCertificateAuthorities',
  );
  if (hostKeys.length === 0 && hostCertificateAuthorities.length === 0) {
    throw new InvalidRequestError(
      'An ssh resource needs connectionDetails.hostKeys (the target’s host public keys, e.g. ' +
        'the output of `ssh-keyscan -t ed25519 <host>` without the host name) or ' +
        'connectionDetails.hostCertificateAuthorities: the gateway never trusts a host key on first use',
    );
  }
  return {
    host,
    port,
    ...(hostKeys.length > 0 ? { hostKeys } : {}),
    ...(hostCertificateAuthorities.length > 0 ? { hostCertificateAuthorities } : {}),
  };
}

function checkHttpDetails(
  resourceType: PamResourceType,
  input: PamConnectionDetailsInput,
): PamHttpConnectionDetails {
  refuseFields(resourceType, input, ['host', 'port', 'database', 'sslEnabled', ...SSH_ONLY]);
  if (input.url === undefined) {
    throw new InvalidRequestError(
      `connectionDetails.url is required for a ${resourceType} resource (e.g. https://app.internal:8443)`,
    );
  }
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw new InvalidRequestError('connectionDetails.url is not a URL');
  }
  if (
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    (url.pathname !== '/' && url.pathname !== '') ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== ''
  ) {
    throw new InvalidRequestError(
      'connectionDetails.url must be an http(s) origin: scheme, host and port only (no path, query or user)',
    );
  }
  if (input.testPath !== undefined && resourceType !== 'http') {
    throw new InvalidRequestError('connectionDetails.testPath is a setting of http resources');
  }
  return {
    url: url.origin,
    ...(input.testPath !== undefined ? { testPath: input.testPath } : {}),
    ...(input.sslRejectUnauthorized !== undefined
      ? { sslRejectUnauthorized: input.sslRejectUnauthorized }
      : {}),
    ...(input.sslCertificate !== undefined ? { sslCertificate: input.sslCertificate } : {}),
  };
}

/** Where the gateway connects for an http(s) resource: `…100.1` of the PAM certificate. */
export function httpRoutingTarget(details: PamHttpConnectionDetails): {
  targetHost: string;
  targetPort: number;
} {
  const url = new URL(details.url);
  return {
    targetHost: `${url.protocol}//${url.hostname}`,
    targetPort: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
  };
}

function refuseFields(
  resourceType: PamResourceType,
  input: PamConnectionDetailsInput,
  fields: readonly (keyof PamConnectionDetailsInput)[],
): void {
  const present = fields.filter((field) => input[field] !== undefined);
  if (present.length > 0) {
    throw new InvalidRequestError(
      `connectionDetails.${present.join(', ')} ${present.length > 1 ? 'are' : 'is'} not a setting of a ${resourceType} resource`,
    );
  }
}

/** Each line parsed as an OpenSSH public key; normalised to `<type> <base64> [comment]`. */
function publicKeyLines(lines: string[] | undefined, field: string): string[] {
  return (lines ?? []).map((line, index) => {
    try {
      const key = parseSshPublicKeyLine(line.trim());
      return formatSshPublicKeyLine(key.blob, key.comment === '' ? undefined : key.comment);
    } catch (error) {
      throw new InvalidRequestError(
        `connectionDetails.${field}[${index}] is not an OpenSSH public key line ` +
          `("ssh-ed25519 AAAA…"): ${(error as Error).message}`,
      );
    }
  });
}
