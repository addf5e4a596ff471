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
 *
 * A field of the other type is refused rather than silently dropped, so a typo'd request never
 * saves a resource that is not what the admin meant.
 *
 * @example
 *   const details = checkConnectionDetails('ssh', { host: '10.0.0.5', port: 22, hostKeys: [line] });
 */
export type PamResourceType = 'postgres' | 'ssh';

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

export type PamConnectionDetails = PamPostgresConnectionDetails | PamSshConnectionDetails;

/** What the create body may hold: either type's fields. */
export interface PamConnectionDetailsInput {
  host: string;
  port: number;
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

export function checkConnectionDetails(
  resourceType: PamResourceType,
  input: PamConnectionDetailsInput,
): PamConnectionDetails {
  const { host, port } = input;
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
