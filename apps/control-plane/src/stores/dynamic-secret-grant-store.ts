import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.ts';

/**
 * Who besides admins may lease a dynamic secret: one row per (secret, identity).
 *
 * @example
 *   grants.create({ orgId, dynamicSecretId, identityId: alice.id, createdBy: admin.id });
 *   grants.has(dynamicSecretId, alice.id); // true
 */
export interface DynamicSecretGrant {
  id: string;
  orgId: string;
  dynamicSecretId: string;
  identityId: string;
  createdBy: string | null;
  createdAt: number;
}

interface Row {
  id: string;
  org_id: string;
  dynamic_secret_id: string;
  identity_id: string;
  created_by: string | null;
  created_at: number;
}

export class DynamicSecretGrantStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Undefined when the identity already has a grant on the secret. */
  create(input: Omit<DynamicSecretGrant, 'id' | 'createdAt'>): DynamicSecretGrant | undefined {
    const grant: DynamicSecretGrant = { ...input, id: randomUUID(), createdAt: Date.now() };
    const result = this.#db
      .prepare(
        `INSERT INTO dynamic_secret_grants (id, org_id, dynamic_secret_id, identity_id, created_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (dynamic_secret_id, identity_id) DO NOTHING`,
      )
      .run(
        grant.id,
        grant.orgId,
        grant.dynamicSecretId,
        grant.identityId,
        grant.createdBy,
        grant.createdAt,
      );
    return result.changes === 1 ? grant : undefined;
  }

  get(id: string): DynamicSecretGrant | undefined {
    const row = this.#db
      .prepare<[string], Row>('SELECT * FROM dynamic_secret_grants WHERE id = ?')
      .get(id);
    return row && toGrant(row);
  }

  listFor(dynamicSecretId: string): DynamicSecretGrant[] {
    return this.#db
      .prepare<[string], Row>(
        'SELECT * FROM dynamic_secret_grants WHERE dynamic_secret_id = ? ORDER BY created_at',
      )
      .all(dynamicSecretId)
      .map(toGrant);
  }

  has(dynamicSecretId: string, identityId: string): boolean {
    return (
      this.#db
        .prepare(
          'SELECT 1 FROM dynamic_secret_grants WHERE dynamic_secret_id = ? AND identity_id = ?',
        )
        .get(dynamicSecretId, identityId) !== undefined
    );
  }

  delete(id: string): void {
    this.#db.prepare('DELETE FROM dynamic_secret_grants WHERE id = ?').run(id);
  }
}

function toGrant(row: Row): DynamicSecretGrant {
  return {
    id: row.id,
    orgId: row.org_id,
    dynamicSecretId: row.dynamic_secret_id,
    identityId: row.identity_id,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}
