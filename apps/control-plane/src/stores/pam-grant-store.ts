import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.ts';

/**
 * PAM grants: identity X may open sessions on the account or folder at `path`
 * (domain/pam-grant-path.ts says what a path covers). One grant per identity and path.
 *
 * @example
 *   const grant = store.create({ orgId, identityId, path: 'prod/', createdBy: admin.id });
 *   store.pathsOf(identityId); // ['prod/']
 */
export interface PamGrant {
  id: string;
  orgId: string;
  identityId: string;
  path: string;
  createdBy: string | null;
  createdAt: number;
}

interface Row {
  id: string;
  org_id: string;
  identity_id: string;
  path: string;
  created_by: string | null;
  created_at: number;
}

export class PamGrantStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Inserts the grant; undefined if the identity already has one on this path. */
  create(input: Omit<PamGrant, 'id' | 'createdAt'>, now = Date.now()): PamGrant | undefined {
    const grant: PamGrant = { id: randomUUID(), ...input, createdAt: now };
    const result = this.#db
      .prepare(
        `INSERT OR IGNORE INTO pam_grants (id, org_id, identity_id, path, created_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(grant.id, grant.orgId, grant.identityId, grant.path, grant.createdBy, now);
    return result.changes === 1 ? grant : undefined;
  }

  get(id: string): PamGrant | undefined {
    const row = this.#db.prepare<[string], Row>('SELECT * FROM pam_grants WHERE id = ?').get(id);
    return row && toGrant(row);
  }

  /** The organization's grants, or one identity's, oldest first. */
  list(orgId: string, identityId?: string): PamGrant[] {
    const rows =
      identityId === undefined
        ? this.#db
            .prepare<[string], Row>(
              'SELECT * FROM pam_grants WHERE org_id = ? ORDER BY created_at, id',
            )
            .all(orgId)
        : this.#db
            .prepare<[string, string], Row>(
              'SELECT * FROM pam_grants WHERE org_id = ? AND identity_id = ? ORDER BY created_at, id',
            )
            .all(orgId, identityId);
    return rows.map(toGrant);
  }

  pathsOf(identityId: string): string[] {
    return this.#db
      .prepare<[string], { path: string }>('SELECT path FROM pam_grants WHERE identity_id = ?')
      .all(identityId)
      .map((row) => row.path);
  }

  delete(id: string): void {
    this.#db.prepare('DELETE FROM pam_grants WHERE id = ?').run(id);
  }
}

function toGrant(row: Row): PamGrant {
  return {
    id: row.id,
    orgId: row.org_id,
    identityId: row.identity_id,
    path: row.path,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}
