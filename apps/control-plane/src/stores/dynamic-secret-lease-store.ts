import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.ts';

/**
 * Leases of dynamic secrets, and with them the persistent revocation schedule: the sweeper asks
 * {@link DynamicSecretLeaseStore.due} for active leases past `expireAt` and pending revocations
 * past `nextAttemptAt`. The lease's password is never stored.
 *
 * @example
 *   const lease = leases.create({ orgId, dynamicSecretId, identityId, username, expireAt });
 *   leases.markRevoked(lease.id);
 */
export type LeaseStatus = 'active' | 'revocation pending' | 'revoked';

export interface DynamicSecretLease {
  id: string;
  orgId: string;
  dynamicSecretId: string;
  identityId: string;
  /** The database role (the reference's `externalEntityId`). */
  username: string;
  status: LeaseStatus;
  statusDetails: string | null;
  version: number;
  expireAt: number;
  revokeAttempts: number;
  nextAttemptAt: number | null;
  revokedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

interface Row {
  id: string;
  org_id: string;
  dynamic_secret_id: string;
  identity_id: string;
  username: string;
  status: LeaseStatus;
  status_details: string | null;
  version: number;
  expire_at: number;
  revoke_attempts: number;
  next_attempt_at: number | null;
  revoked_at: number | null;
  created_at: number;
  updated_at: number;
}

export class DynamicSecretLeaseStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  create(input: {
    orgId: string;
    dynamicSecretId: string;
    identityId: string;
    username: string;
    expireAt: number;
  }): DynamicSecretLease {
    const id = randomUUID();
    const now = Date.now();
    this.#db
      .prepare(
        `INSERT INTO dynamic_secret_leases (id, org_id, dynamic_secret_id, identity_id, username,
           status, expire_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?)`,
      )
      .run(
        id,
        input.orgId,
        input.dynamicSecretId,
        input.identityId,
        input.username,
        input.expireAt,
        now,
        now,
      );
    return this.get(id) as DynamicSecretLease;
  }

  get(id: string): DynamicSecretLease | undefined {
    const row = this.#db
      .prepare<[string], Row>('SELECT * FROM dynamic_secret_leases WHERE id = ?')
      .get(id);
    return row && toLease(row);
  }

  /** Leases of a secret that are not revoked; only `identityId`'s when given. */
  listLive(dynamicSecretId: string, identityId?: string): DynamicSecretLease[] {
    const rows =
      identityId === undefined
        ? this.#db
            .prepare<[string], Row>(
              `SELECT * FROM dynamic_secret_leases WHERE dynamic_secret_id = ? AND status != 'revoked'
               ORDER BY created_at`,
            )
            .all(dynamicSecretId)
        : this.#db
            .prepare<[string, string], Row>(
              `SELECT * FROM dynamic_secret_leases WHERE dynamic_secret_id = ? AND status != 'revoked'
                 AND identity_id = ? ORDER BY created_at`,
            )
            .all(dynamicSecretId, identityId);
    return rows.map(toLease);
  }

  /** Leases whose revocation is due at `now`: expired active ones and pending ones whose retry time came. */
  due(now: number, limit = 100): DynamicSecretLease[] {
    return this.#db
      .prepare<[number, number, number], Row>(
        `SELECT * FROM dynamic_secret_leases
         WHERE (status = 'active' AND expire_at <= ?)
            OR (status = 'revocation pending' AND next_attempt_at <= ?)
         ORDER BY expire_at LIMIT ?`,
      )
      .all(now, now, limit)
      .map(toLease);
  }

  /** When the next revocation falls due (undefined: nothing scheduled). */
  nextDueAt(): number | undefined {
    const row = this.#db
      .prepare<[], { at: number | null }>(
        `SELECT MIN(CASE WHEN status = 'active' THEN expire_at ELSE next_attempt_at END) AS at
         FROM dynamic_secret_leases WHERE status != 'revoked'`,
      )
      .get();
    return row?.at ?? undefined;
  }

  /** Ends every active lease of an identity at `now` (the sweeper revokes them); how many. */
  expireAllOf(identityId: string, now: number): number {
    return this.#db
      .prepare(
        `UPDATE dynamic_secret_leases SET expire_at = ?, updated_at = ?
         WHERE identity_id = ? AND status = 'active' AND expire_at > ?`,
      )
      .run(now, now, identityId, now).changes;
  }

  setExpiry(id: string, expireAt: number): void {
    this.#db
      .prepare(
        'UPDATE dynamic_secret_leases SET expire_at = ?, version = version + 1, updated_at = ? WHERE id = ?',
      )
      .run(expireAt, Date.now(), id);
  }

  markRevoked(id: string): void {
    const now = Date.now();
    this.#db
      .prepare(
        `UPDATE dynamic_secret_leases SET status = 'revoked', status_details = NULL,
           next_attempt_at = NULL, revoked_at = ?, revoke_attempts = revoke_attempts + 1, updated_at = ?
         WHERE id = ?`,
      )
      .run(now, now, id);
  }

  markRevocationPending(id: string, details: string, nextAttemptAt: number): void {
    this.#db
      .prepare(
        `UPDATE dynamic_secret_leases SET status = 'revocation pending', status_details = ?,
           next_attempt_at = ?, revoke_attempts = revoke_attempts + 1, updated_at = ?
         WHERE id = ?`,
      )
      .run(details, nextAttemptAt, Date.now(), id);
  }

  /** A lease whose role could not be created is not a lease: removed before anything is answered. */
  delete(id: string): void {
    this.#db.prepare('DELETE FROM dynamic_secret_leases WHERE id = ?').run(id);
  }

  countLive(dynamicSecretId: string): number {
    const row = this.#db
      .prepare<[string], { n: number }>(
        `SELECT COUNT(*) AS n FROM dynamic_secret_leases WHERE dynamic_secret_id = ? AND status != 'revoked'`,
      )
      .get(dynamicSecretId);
    return row?.n ?? 0;
  }
}

function toLease(row: Row): DynamicSecretLease {
  return {
    id: row.id,
    orgId: row.org_id,
    dynamicSecretId: row.dynamic_secret_id,
    identityId: row.identity_id,
    username: row.username,
    status: row.status,
    statusDetails: row.status_details,
    version: row.version,
    expireAt: row.expire_at,
    revokeAttempts: row.revoke_attempts,
    nextAttemptAt: row.next_attempt_at,
    revokedAt: row.revoked_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
