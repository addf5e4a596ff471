import type {
  createDynamicSecretLease,
  listDynamicSecretLeases,
  RouteResponse,
} from '@burrow/platform-api';
import { terminalSafeLine } from '@burrow/session-recorder';
import { humanDuration } from './duration.ts';

/**
 * What `burrow dynamic-secrets lease …` prints. `create` is the one place the CLI prints a secret
 * (the lease's password, which the control plane answers once): as text for a person, as
 * `--format env` lines for `eval`, or as the control plane's JSON.
 *
 * @example
 *   eval "$(burrow dynamic-secrets lease create orders-ro --ttl 15m --format env)"
 *   psql -c 'SELECT 1'   # PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD are set and exported
 */
export type LeaseCreated = RouteResponse<typeof createDynamicSecretLease>;
export type LeaseRecord = RouteResponse<typeof listDynamicSecretLeases>['leases'][number];

export const LEASE_FORMATS = ['text', 'json', 'env'] as const;
export type LeaseFormat = (typeof LEASE_FORMATS)[number];

/** A value for a POSIX shell assignment: as is when plain, else single-quoted. */
function shellValue(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `PGHOST=… PGPORT=… PGDATABASE=… PGUSER=… PGPASSWORD=…` lines, the lease ID, and one export line. */
export function formatLeaseEnv(created: LeaseCreated): string {
  const values: [string, string][] = [
    ['PGHOST', created.data.DB_HOST],
    ['PGPORT', String(created.data.DB_PORT)],
    ['PGDATABASE', created.data.DB_NAME],
    ['PGUSER', created.data.DB_USERNAME],
    ['PGPASSWORD', created.data.DB_PASSWORD],
    ['BURROW_LEASE_ID', created.lease.id],
  ];
  return [
    ...values.map(([name, value]) => `${name}=${shellValue(value)}`),
    `export ${values.map(([name]) => name).join(' ')}`,
  ].join('\n');
}

export function formatLeaseCreated(created: LeaseCreated, now = new Date()): string {
  const { lease, data } = created;
  const expires = new Date(lease.expireAt);
  return [
    `Lease ${lease.id} on ${created.dynamicSecret.name}: valid until ${expires.toISOString()} (in ${humanDuration(expires.getTime() - now.getTime())})`,
    '',
    `  user      ${terminalSafeLine(data.DB_USERNAME)}`,
    `  password  ${terminalSafeLine(data.DB_PASSWORD)}`,
    `  database  ${terminalSafeLine(data.DB_NAME)} on ${terminalSafeLine(data.DB_HOST)}:${data.DB_PORT} (as the gateway reaches it)`,
    '',
    'The password is shown only now. For scripts: --format env (eval) or --format json.',
    `Renew: burrow dynamic-secrets lease renew ${lease.id} --ttl 1h`,
    `Revoke: burrow dynamic-secrets lease revoke ${lease.id}`,
  ].join('\n');
}

export function formatLeaseList(name: string, leases: LeaseRecord[], now = new Date()): string {
  if (leases.length === 0) return `No leases on ${name}.`;
  const rows = leases.map((lease) => {
    const expires = new Date(lease.expireAt);
    const left = expires.getTime() - now.getTime();
    return [
      lease.id,
      terminalSafeLine(lease.externalEntityId),
      lease.status,
      left > 0
        ? `${expires.toISOString()} (in ${humanDuration(left)})`
        : `${expires.toISOString()} (expired)`,
      lease.status === 'revocation pending' && lease.statusDetails
        ? terminalSafeLine(lease.statusDetails)
        : '',
    ];
  });
  const header = ['LEASE ID', 'ROLE', 'STATUS', 'EXPIRES', ''];
  const widths = header.map((_, i) =>
    Math.max(header[i]?.length ?? 0, ...rows.map((r) => r[i]?.length ?? 0)),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function formatLeaseRenewed(lease: LeaseRecord, now = new Date()): string {
  const expires = new Date(lease.expireAt);
  return `Lease ${lease.id} renewed: valid until ${expires.toISOString()} (in ${humanDuration(expires.getTime() - now.getTime())}).`;
}

/** The revoke answer; a pending revocation is said plainly (the control plane keeps retrying). */
export function formatLeaseRevoked(lease: LeaseRecord): string {
  if (lease.status === 'revoked') {
    return `Lease ${lease.id} revoked: role ${terminalSafeLine(lease.externalEntityId)} dropped.`;
  }
  const next = lease.nextRevocationAttemptAt
    ? ` (next attempt ${lease.nextRevocationAttemptAt})`
    : '';
  return `Lease ${lease.id}: revocation pending: ${terminalSafeLine(lease.statusDetails ?? 'not revoked yet')}. The control plane retries until the role is dropped${next}; see burrow dynamic-secrets lease list ${lease.dynamicSecretName}.`;
}
