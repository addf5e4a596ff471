import type { TokenAuthConfig, TrustedIp } from '@burrow/auth-methods';
import type { Db } from '../db/database.ts';

/**
 * Token-auth configurations: one access-token policy per identity.
 *
 * @example
 *   store.attach(identityId, tokenAuthConfig());
 */
export interface StoredTokenAuth extends TokenAuthConfig {
  identityId: string;
  createdAt: number;
  updatedAt: number;
}

interface Row {
  identity_id: string;
  access_token_ttl: number;
  access_token_max_ttl: number;
  access_token_num_uses_limit: number;
  access_token_trusted_ips: string;
  created_at: number;
  updated_at: number;
}

export class TokenAuthStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Inserts the configuration; returns undefined if the identity already has one. */
  attach(identityId: string, config: TokenAuthConfig): StoredTokenAuth | undefined {
    const now = Date.now();
    const result = this.#db
      .prepare(
        `INSERT OR IGNORE INTO identity_token_auths (identity_id, access_token_ttl,
           access_token_max_ttl, access_token_num_uses_limit, access_token_trusted_ips,
           created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        identityId,
        config.accessTokenTTL,
        config.accessTokenMaxTTL,
        config.accessTokenNumUsesLimit,
        JSON.stringify(config.accessTokenTrustedIps),
        now,
        now,
      );
    return result.changes === 1 ? this.getByIdentity(identityId) : undefined;
  }

  getByIdentity(identityId: string): StoredTokenAuth | undefined {
    const row = this.#db
      .prepare<[string], Row>('SELECT * FROM identity_token_auths WHERE identity_id = ?')
      .get(identityId);
    return (
      row && {
        identityId: row.identity_id,
        accessTokenTTL: row.access_token_ttl,
        accessTokenMaxTTL: row.access_token_max_ttl,
        accessTokenNumUsesLimit: row.access_token_num_uses_limit,
        accessTokenTrustedIps: JSON.parse(row.access_token_trusted_ips) as TrustedIp[],
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      }
    );
  }
}
