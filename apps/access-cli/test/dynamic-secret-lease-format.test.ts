import { execFileSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import {
  formatLeaseCreated,
  formatLeaseEnv,
  formatLeaseList,
  formatLeaseRevoked,
  type LeaseCreated,
  type LeaseRecord,
} from '../src/dynamic-secret-lease-format.ts';

const lease: LeaseRecord = {
  id: '0b7c5d6e-1111-4222-8333-444455556666',
  dynamicSecretId: 'd',
  dynamicSecretName: 'orders-ro',
  externalEntityId: 'burrow_3f9a1c2b7d4e',
  identityId: 'i',
  status: 'active',
  statusDetails: null,
  version: 1,
  expireAt: '2026-12-02T12:15:00.000Z',
  createdAt: '2026-12-02T12:00:00.000Z',
  updatedAt: '2026-12-02T12:00:00.000Z',
  revokedAt: null,
  revocationAttempts: 0,
  nextRevocationAttemptAt: null,
};

function created(data: Partial<LeaseCreated['data']> = {}): LeaseCreated {
  return {
    lease,
    dynamicSecret: { name: 'orders-ro' } as LeaseCreated['dynamicSecret'],
    data: {
      DB_USERNAME: 'burrow_3f9a1c2b7d4e',
      DB_PASSWORD: 'k7QmZx',
      DB_HOST: '10.0.3.7',
      DB_PORT: 5432,
      DB_NAME: 'orders',
      ...data,
    },
  };
}

describe('formatLeaseEnv', () => {
  it('prints PG* assignments and one export line', () => {
    expect(formatLeaseEnv(created())).toBe(
      [
        'PGHOST=10.0.3.7',
        'PGPORT=5432',
        'PGDATABASE=orders',
        'PGUSER=burrow_3f9a1c2b7d4e',
        'PGPASSWORD=k7QmZx',
        `BURROW_LEASE_ID=${lease.id}`,
        'export PGHOST PGPORT PGDATABASE PGUSER PGPASSWORD BURROW_LEASE_ID',
      ].join('\n'),
    );
  });

  it('quotes what a shell would otherwise run: sh reads back exactly the values', () => {
    const hostile = created({ DB_NAME: "my db'; touch /tmp/x #", DB_PASSWORD: '$(id)`x`' });
    const out = execFileSync(
      '/bin/sh',
      ['-c', 'eval "$(cat)"; printf "%s|%s" "$PGDATABASE" "$PGPASSWORD"'],
      {
        input: formatLeaseEnv(hostile),
        encoding: 'utf8',
      },
    );
    expect(out).toBe("my db'; touch /tmp/x #|$(id)`x`");
  });
});

describe('the human output', () => {
  it('create names the lease, its expiry and the credentials, and says they are shown once', () => {
    const text = formatLeaseCreated(created(), new Date('2026-12-02T12:00:00.000Z'));
    expect(text).toMatch(
      /^Lease 0b7c5d6e-\S+ on orders-ro: valid until 2026-12-02T12:15:00.000Z \(in 15m\)/,
    );
    expect(text).toContain('  password  k7QmZx');
    expect(text).toContain('shown only now');
  });

  it('list shows a pending revocation with its reason, and says when there is none', () => {
    const pending = {
      ...lease,
      status: 'revocation pending' as const,
      statusDetails: 'the gateway could not be reached: x',
    };
    const text = formatLeaseList('orders-ro', [pending], new Date('2026-12-02T12:00:00.000Z'));
    expect(text.split('\n')[0]).toMatch(/^LEASE ID\s+ROLE\s+STATUS\s+EXPIRES$/);
    expect(text).toMatch(
      /revocation pending\s+2026-12-02T12:15:00.000Z \(in 15m\)\s+the gateway could not be reached: x/,
    );
    expect(formatLeaseList('orders-ro', [])).toBe('No leases on orders-ro.');
  });

  it('revoke says whether the role is dropped or the revocation is pending', () => {
    expect(formatLeaseRevoked({ ...lease, status: 'revoked' })).toBe(
      `Lease ${lease.id} revoked: role burrow_3f9a1c2b7d4e dropped.`,
    );
    expect(
      formatLeaseRevoked({ ...lease, status: 'revocation pending', statusDetails: 'down' }),
    ).toMatch(/revocation pending: down\. The control plane retries until the role is dropped/);
  });
});
