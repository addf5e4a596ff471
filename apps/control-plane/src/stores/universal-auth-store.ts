import type { ClientSecretRecord, TrustedIp, UniversalAuthConfig } from '@burrow/auth-methods';
import type { Db } from '../db/database.ts';

/**
 * Universal-auth configurations (one per identity) and their client secrets (stored as digests).
 *
 * @example
 *   store.attach(identityId, universalAuthConfig({ accessTokenTTL: 3600 }));
 *   store.addSecret(identityId, record);
 */
export interface StoredUniversalAuth extends UniversalAuthConfig {
  identityId: string;
  createdAt: number;
  updatedAt: number;
}

interface ConfigRow {
  identity_id: string;
  client_id: string;
  access_token_ttl: number;
  access_token_max_ttl: number;
  access_token_num_uses_limit: number;
  access_token_trusted_ips: string;
  client_secret_trusted_ips: string;
  created_at: number;
  updated_at: number;
}

interface SecretRow {
  id: string;
  identity_id: string;
  description: string;
  client_secret_prefix: string;
  client_secret_digest: string;
  client_secret_ttl: number;
  client_secret_num_uses_limit: number;
  client_secret_num_uses: number;
  is_client_secret_revoked: number;
  created_at: number;
}

export class UniversalAuthStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Inserts the configuration; returns undefined if the identity already has one. */
  attach(identityId: string, config: UniversalAuthConfig): StoredUniversalAuth | undefined {
    const now = Date.now();
    const result = this.#db
      .prepare(
        `INSERT OR IGNORE INTO identity_universal_auths (identity_id, client_id, access_token_ttl,
           access_token_max_ttl, access_token_num_uses_limit, access_token_trusted_ips,
           client_secret_trusted_ips, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        identityId,
        config.clientId,
        config.accessTokenTTL,
        config.accessTokenMaxTTL,
        config.accessTokenNumUsesLimit,
        JSON.stringify(config.accessTokenTrustedIps),
        JSON.stringify(config.clientSecretTrustedIps),
        now,
        now,
      );
    return result.changes === 1 ? this.getByIdentity(identityId) : undefined;
  }

  getByIdentity(identityId: string): StoredUniversalAuth | undefined {
    const row = this.#db
      .prepare<[string], ConfigRow>('SELECT * FROM identity_universal_auths WHERE identity_id = ?')
      .get(identityId);
    return row && toConfig(row);
  }

  getByClientId(clientId: string): StoredUniversalAuth | undefined {
    const row = this.#db
      .prepare<[string], ConfigRow>('SELECT * FROM identity_universal_auths WHERE client_id = ?')
      .get(clientId);
    return row && toConfig(row);
  }

  addSecret(identityId: string, record: ClientSecretRecord): void {
    this.#db
      .prepare(
        `INSERT INTO identity_ua_client_secrets (id, identity_id, description, client_secret_prefix,
           client_secret_digest, client_secret_ttl, client_secret_num_uses_limit,
           client_secret_num_uses, is_client_secret_revoked, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        record.id,
        identityId,
        record.description,
        record.clientSecretPrefix,
        record.clientSecretDigest,
        record.clientSecretTTL,
        record.clientSecretNumUsesLimit,
        record.clientSecretNumUses,
        record.isClientSecretRevoked ? 1 : 0,
        record.createdAt,
        record.createdAt,
      );
  }

  secrets(identityId: string): ClientSecretRecord[] {
    return this.#db
      .prepare<[string], SecretRow>(
        'SELECT * FROM identity_ua_client_secrets WHERE identity_id = ? ORDER BY created_at',
      )
      .all(identityId)
      .map(toSecret);
  }

  /** Revokes one client secret of an identity (all of them without `secretId`); answers how many. */
  revokeSecrets(identityId: string, secretId?: string): number {
    return this.#db
      .prepare(
        `UPDATE identity_ua_client_secrets SET is_client_secret_revoked = 1, updated_at = ?
         WHERE identity_id = ? AND (? IS NULL OR id = ?) AND is_client_secret_revoked = 0`,
      )
      .run(Date.now(), identityId, secretId ?? null, secretId ?? null).changes;
  }

  /**
   * Counts one login with the secret, atomically; revokes it when this use reaches its limit.
   * Returns false if a concurrent login used the last allowed use first.
   */
  countSecretUse(secretId: string): boolean {
    const result = this.#db
      .prepare(
        `UPDATE identity_ua_client_secrets
           SET client_secret_num_uses = client_secret_num_uses + 1,
               is_client_secret_revoked = CASE
                 WHEN client_secret_num_uses_limit > 0
                  AND client_secret_num_uses + 1 >= client_secret_num_uses_limit THEN 1
                 ELSE is_client_secret_revoked END,
               updated_at = ?
         WHERE id = ? AND is_client_secret_revoked = 0
           AND (client_secret_num_uses_limit = 0
                OR client_secret_num_uses < client_secret_num_uses_limit)`,
      )
      .run(Date.now(), secretId);
    return result.changes === 1;
  }
}

function toConfig(row: ConfigRow): StoredUniversalAuth {
  return {
    identityId: row.identity_id,
    clientId: row.client_id,
    accessTokenTTL: row.access_token_ttl,
    accessTokenMaxTTL: row.access_token_max_ttl,
    accessTokenNumUsesLimit: row.access_token_num_uses_limit,
    accessTokenTrustedIps: JSON.parse(row.access_token_trusted_ips) as TrustedIp[],
    clientSecretTrustedIps: JSON.parse(row.client_secret_trusted_ips) as TrustedIp[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toSecret(row: SecretRow): ClientSecretRecord {
  return {
    id: row.id,
    description: row.description,
    clientSecretPrefix: row.client_secret_prefix,
    clientSecretDigest: row.client_secret_digest,
    clientSecretTTL: row.client_secret_ttl,
    clientSecretNumUsesLimit: row.client_secret_num_uses_limit,
    clientSecretNumUses: row.client_secret_num_uses,
    isClientSecretRevoked: row.is_client_secret_revoked === 1,
    createdAt: row.created_at,
  };
}
