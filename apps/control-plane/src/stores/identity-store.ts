import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.ts';

/**
 * Machine identities: the principals gateways, relays and automation log in as. Each belongs to
 * one organization with a role: `admin` (may manage identities, relays, gateways) or `member`
 * (may register and heartbeat its own relay or gateway, list them, test connections).
 *
 * @example
 *   const identity = identities.create({ orgId, name: 'gateway-eu', role: 'member' });
 */
export type IdentityRole = 'admin' | 'member';
export const IDENTITY_ROLES: readonly IdentityRole[] = ['admin', 'member'];

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

  get(id: string): Identity | undefined {
    const row = this.#db
      .prepare<[string], IdentityRow>('SELECT * FROM identities WHERE id = ?')
      .get(id);
    return row && toIdentity(row);
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
