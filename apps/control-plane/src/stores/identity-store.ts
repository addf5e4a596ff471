import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.ts';

/**
 * Machine identities: the principals people, gateways, relays and automation log in as. Each
 * belongs to one organization with one role; what a role may do is domain/permissions.ts.
 *
 * @example
 *   const identity = identities.create({ orgId, name: 'gateway-eu', role: 'gateway' });
 */
export type IdentityRole = 'admin' | 'member' | 'auditor' | 'relay' | 'gateway';

export interface Identity {
  id: string;
  orgId: string;
  name: string;
  role: IdentityRole;
  createdAt: number;
  updatedAt: number;
}

interface IdentityRow {
  id: string;
  org_id: string;
  name: string;
  role: IdentityRole;
  created_at: number;
  updated_at: number;
}

export class IdentityStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  create(input: { orgId: string; name: string; role: IdentityRole }): Identity {
    const now = Date.now();
    const identity: Identity = { id: randomUUID(), ...input, createdAt: now, updatedAt: now };
    this.#db
      .prepare(
        'INSERT INTO identities (id, org_id, name, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(identity.id, identity.orgId, identity.name, identity.role, now, now);
    return identity;
  }

  setRole(id: string, role: IdentityRole, now = Date.now()): Identity | undefined {
    this.#db
      .prepare('UPDATE identities SET role = ?, updated_at = ? WHERE id = ?')
      .run(role, now, id);
    return this.get(id);
  }

  /** The identity, unless it does not exist or was deleted. */
  get(id: string): Identity | undefined {
    const row = this.#db
      .prepare<[string], IdentityRow>(
        'SELECT * FROM identities WHERE id = ? AND deleted_at IS NULL',
      )
      .get(id);
    return row && toIdentity(row);
  }

  /** The organization's identities that are not deleted, oldest first. */
  listByOrg(orgId: string): Identity[] {
    return this.#db
      .prepare<[string], IdentityRow>(
        'SELECT * FROM identities WHERE org_id = ? AND deleted_at IS NULL ORDER BY created_at, id',
      )
      .all(orgId)
      .map(toIdentity);
  }

  /**
   * Marks the identity deleted (a tombstone: its sessions and recordings keep naming it); from
   * then on `get` does not find it, so none of its credentials authenticate. False when it was
   * already deleted.
   */
  markDeleted(id: string, now = Date.now()): boolean {
    return (
      this.#db
        .prepare(
          'UPDATE identities SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL',
        )
        .run(now, now, id).changes === 1
    );
  }
}

function toIdentity(row: IdentityRow): Identity {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    role: row.role,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
