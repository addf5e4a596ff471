import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.ts';

/**
 * People: users (email + scrypt password hash), their failed sign-ins and lock, and their
 * memberships in organizations, each naming the person identity the user acts as there
 * (migration 0011).
 *
 * @example
 *   const user = users.create({ email: 'ada@example.com', passwordHash, superAdmin: false });
 *   users.addMember(orgId, user.id, 'member', identity.id);
 */
export interface User {
  id: string;
  email: string;
  superAdmin: boolean;
  createdAt: number;
}

/** What sign-in needs: the hash and the lock state. */
export interface UserCredentials extends User {
  passwordHash: string;
  failedSignIns: number;
  /** Epoch ms until which sign-ins and sessions are refused; null = not locked. */
  lockedUntil: number | null;
}

export interface Membership {
  orgId: string;
  userId: string;
  role: string;
  /** The identity the user acts as in this organization; null until the first sign-in. */
  identityId: string | null;
}

interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  super_admin: number;
  created_at: number;
  failed_sign_ins: number;
  locked_until: number | null;
}

interface MembershipRow {
  org_id: string;
  user_id: string;
  role: string;
  identity_id: string | null;
}

export class UserStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  create(input: { email: string; passwordHash: string; superAdmin: boolean }): User {
    const user: User = {
      id: randomUUID(),
      email: input.email,
      superAdmin: input.superAdmin,
      createdAt: Date.now(),
    };
    this.#db
      .prepare(
        'INSERT INTO users (id, email, password_hash, super_admin, created_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(user.id, user.email, input.passwordHash, user.superAdmin ? 1 : 0, user.createdAt);
    return user;
  }

  /** Case-insensitive (the column is COLLATE NOCASE). */
  findByEmail(email: string): UserCredentials | undefined {
    const row = this.#db
      .prepare<[string], UserRow>('SELECT * FROM users WHERE email = ?')
      .get(email);
    return row && toCredentials(row);
  }

  get(id: string): UserCredentials | undefined {
    const row = this.#db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?').get(id);
    return row && toCredentials(row);
  }

  /** Counts one wrong password; at `limit` consecutive ones the account is locked until `lockUntil`. */
  recordFailedSignIn(id: string, limit: number, lockUntil: number): UserCredentials | undefined {
    this.#db
      .prepare(
        `UPDATE users SET failed_sign_ins = failed_sign_ins + 1,
           locked_until = CASE WHEN failed_sign_ins + 1 >= ? THEN ? ELSE locked_until END
         WHERE id = ?`,
      )
      .run(limit, lockUntil, id);
    return this.get(id);
  }

  /** After a correct password, or once a lock has passed. */
  clearFailedSignIns(id: string): void {
    this.#db
      .prepare('UPDATE users SET failed_sign_ins = 0, locked_until = NULL WHERE id = ?')
      .run(id);
  }

  addMember(orgId: string, userId: string, role: string, identityId: string): void {
    this.#db
      .prepare(
        'INSERT INTO org_memberships (org_id, user_id, role, identity_id, created_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(orgId, userId, role, identityId, Date.now());
  }

  /** The user's organizations, oldest membership first. */
  memberships(userId: string): Membership[] {
    return this.#db
      .prepare<[string], MembershipRow>(
        'SELECT * FROM org_memberships WHERE user_id = ? ORDER BY created_at, org_id',
      )
      .all(userId)
      .map((row) => ({
        orgId: row.org_id,
        userId: row.user_id,
        role: row.role,
        identityId: row.identity_id,
      }));
  }

  setMembershipIdentity(orgId: string, userId: string, identityId: string): void {
    this.#db
      .prepare('UPDATE org_memberships SET identity_id = ? WHERE org_id = ? AND user_id = ?')
      .run(identityId, orgId, userId);
  }
}

function toCredentials(row: UserRow): UserCredentials {
  return {
    id: row.id,
    email: row.email,
    superAdmin: row.super_admin === 1,
    createdAt: row.created_at,
    passwordHash: row.password_hash,
    failedSignIns: row.failed_sign_ins,
    lockedUntil: row.locked_until,
  };
}
