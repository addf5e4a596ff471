import { randomUUID } from 'node:crypto';
import type { AccessTokenRecord, TrustedIp } from '@burrow/auth-methods';
import type { Db } from '../db/database.ts';

/**
 * Issued access tokens, by digest. The token itself is never stored.
 *
 * @example
 *   const id = store.insert({ identityId, authMethod: 'universal-auth', record });
 *   const stored = store.findByDigest(digestSecret(bearer));
 */
export type AuthMethod =
  | 'universal-auth'
  | 'token-auth'
  | 'kubernetes-auth'
  | 'aws-auth'
  | 'gcp-auth'
  | 'azure-auth'
  | 'oidc-auth'
  | 'jwt-auth'
  | 'user-password';

export interface StoredAccessToken extends AccessTokenRecord {
  id: string;
  identityId: string;
  authMethod: AuthMethod;
  name: string | null;
  /** The user it was issued to at sign-in (user-password tokens); null for machine logins. */
  userId: string | null;
}

interface Row {
  id: string;
  identity_id: string;
  auth_method: AuthMethod;
  name: string | null;
  user_id: string | null;
  token_digest: string;
  access_token_ttl: number;
  access_token_max_ttl: number;
  access_token_num_uses_limit: number;
  access_token_num_uses: number;
  access_token_trusted_ips: string;
  is_revoked: number;
  created_at: number;
  last_renewed_at: number | null;
}

export class AccessTokenStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  insert(input: {
    identityId: string;
    authMethod: AuthMethod;
    record: AccessTokenRecord;
    name?: string | undefined;
    clientSecretId?: string | undefined;
    userId?: string | undefined;
  }): string {
    const id = randomUUID();
    const { record } = input;
    this.#db
      .prepare(
        `INSERT INTO identity_access_tokens (id, identity_id, auth_method, name, token_digest,
           access_token_ttl, access_token_max_ttl, access_token_num_uses_limit,
           access_token_num_uses, access_token_trusted_ips, client_secret_id, is_revoked,
           created_at, last_renewed_at, user_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        input.identityId,
        input.authMethod,
        input.name ?? null,
        record.tokenDigest,
        record.accessTokenTTL,
        record.accessTokenMaxTTL,
        record.accessTokenNumUsesLimit,
        record.accessTokenNumUses,
        JSON.stringify(record.accessTokenTrustedIps),
        input.clientSecretId ?? null,
        record.isRevoked ? 1 : 0,
        record.createdAt,
        record.lastRenewedAt,
        input.userId ?? null,
      );
    return id;
  }

  findByDigest(digest: string): StoredAccessToken | undefined {
    const row = this.#db
      .prepare<[string], Row>('SELECT * FROM identity_access_tokens WHERE token_digest = ?')
      .get(digest);
    return row && toStored(row);
  }

  /** Counts one authenticated use, atomically; false if the limit was reached meanwhile. */
  countUse(id: string, now: number): boolean {
    const result = this.#db
      .prepare(
        `UPDATE identity_access_tokens
           SET access_token_num_uses = access_token_num_uses + 1, last_used_at = ?
         WHERE id = ? AND is_revoked = 0
           AND (access_token_num_uses_limit = 0
                OR access_token_num_uses < access_token_num_uses_limit)`,
      )
      .run(now, id);
    return result.changes === 1;
  }

  setRenewed(id: string, lastRenewedAt: number): void {
    this.#db
      .prepare('UPDATE identity_access_tokens SET last_renewed_at = ? WHERE id = ?')
      .run(lastRenewedAt, id);
  }

  revoke(id: string): void {
    this.#db.prepare('UPDATE identity_access_tokens SET is_revoked = 1 WHERE id = ?').run(id);
  }

  /** Revokes every token of an identity, or every token a client secret issued; answers how many. */
  revokeAll(where: { identityId: string } | { clientSecretId: string }): number {
    const [column, value] =
      'identityId' in where
        ? ['identity_id', where.identityId]
        : ['client_secret_id', where.clientSecretId];
    return this.#db
      .prepare(
        `UPDATE identity_access_tokens SET is_revoked = 1 WHERE ${column} = ? AND is_revoked = 0`,
      )
      .run(value).changes;
  }
}

function toStored(row: Row): StoredAccessToken {
  return {
    id: row.id,
    identityId: row.identity_id,
    authMethod: row.auth_method,
    name: row.name,
    userId: row.user_id,
    tokenDigest: row.token_digest,
    accessTokenTTL: row.access_token_ttl,
    accessTokenMaxTTL: row.access_token_max_ttl,
    accessTokenNumUsesLimit: row.access_token_num_uses_limit,
    accessTokenNumUses: row.access_token_num_uses,
    accessTokenTrustedIps: JSON.parse(row.access_token_trusted_ips) as TrustedIp[],
    createdAt: row.created_at,
    lastRenewedAt: row.last_renewed_at,
    isRevoked: row.is_revoked === 1,
  };
}
