import type { DynamicSecretGrant } from '../stores/dynamic-secret-grant-store.ts';
import type { DynamicSecretLease } from '../stores/dynamic-secret-lease-store.ts';
import type { DynamicSecret } from '../stores/dynamic-secret-store.ts';
import { formatDurationSeconds } from '../domain/duration-string.ts';
import { isoTime } from './iso-time.ts';

/** The JSON of a dynamic secret, its leases and grants (platform-api schemas/dynamic-secrets.ts); never the admin password. */
export function dynamicSecretJson(secret: DynamicSecret) {
  return {
    id: secret.id,
    name: secret.name,
    type: 'sql-database' as const,
    defaultTTL: formatDurationSeconds(secret.defaultTtlSeconds),
    maxTTL: secret.maxTtlSeconds === null ? null : formatDurationSeconds(secret.maxTtlSeconds),
    inputs: {
      client: 'postgres' as const,
      gatewayId: secret.gatewayId,
      host: secret.host,
      port: secret.port,
      database: secret.database,
      username: secret.adminUsername,
      creationStatement: secret.creationStatement,
      revocationStatement: secret.revocationStatement,
      renewStatement: secret.renewStatement,
      ...(secret.ca === null ? {} : { ca: secret.ca }),
    },
    createdAt: isoTime(secret.createdAt) as string,
    updatedAt: isoTime(secret.updatedAt) as string,
  };
}

export function leaseJson(lease: DynamicSecretLease, secret: DynamicSecret) {
  return {
    id: lease.id,
    dynamicSecretId: secret.id,
    dynamicSecretName: secret.name,
    externalEntityId: lease.username,
    identityId: lease.identityId,
    status: lease.status,
    statusDetails: lease.statusDetails,
    version: lease.version,
    expireAt: isoTime(lease.expireAt) as string,
    createdAt: isoTime(lease.createdAt) as string,
    updatedAt: isoTime(lease.updatedAt) as string,
    revokedAt: isoTime(lease.revokedAt),
    revocationAttempts: lease.revokeAttempts,
    nextRevocationAttemptAt:
      lease.status === 'revocation pending' ? isoTime(lease.nextAttemptAt) : null,
  };
}

export function grantJson(grant: DynamicSecretGrant, secret: DynamicSecret) {
  return {
    id: grant.id,
    dynamicSecretId: secret.id,
    dynamicSecretName: secret.name,
    identityId: grant.identityId,
    createdBy: grant.createdBy,
    createdAt: isoTime(grant.createdAt) as string,
  };
}
