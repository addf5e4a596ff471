import type { Db } from '../db/database.ts';
import type { AuthMethod } from './access-token-store.ts';

/**
 * Configurations of the identity-based login methods (kubernetes-auth, aws-auth, gcp-auth,
 * azure-auth, oidc-auth, jwt-auth): one JSON document per identity and method. What the JSON
 * holds is the method's config type from @burrow/auth-methods, already validated.
 *
 * @example
 *   store.attach(identityId, 'oidc-auth', oidcAuthConfig(body));
 *   const config = store.get<OidcAuthConfig>(identityId, 'oidc-auth');
 */
export type IdentityLoginMethod = Exclude<
  AuthMethod,
  'universal-auth' | 'token-auth' | 'user-password'
>;

export interface StoredLoginMethod<Config> {
  identityId: string;
  method: IdentityLoginMethod;
  config: Config;
  createdAt: number;
  updatedAt: number;
}

interface Row {
  identity_id: string;
  method: IdentityLoginMethod;
  config: string;
  created_at: number;
  updated_at: number;
}

export class LoginMethodStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Inserts the configuration; undefined if the identity already has this method. */
  attach<Config extends object>(
    identityId: string,
    method: IdentityLoginMethod,
    config: Config,
  ): StoredLoginMethod<Config> | undefined {
    const now = Date.now();
    const result = this.#db
      .prepare(
        `INSERT OR IGNORE INTO identity_login_methods (identity_id, method, config, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?)`,
      )
      .run(identityId, method, JSON.stringify(config), now, now);
    return result.changes === 1 ? this.get<Config>(identityId, method) : undefined;
  }

  get<Config>(
    identityId: string,
    method: IdentityLoginMethod,
  ): StoredLoginMethod<Config> | undefined {
    const row = this.#db
      .prepare<[string, string], Row>(
        'SELECT * FROM identity_login_methods WHERE identity_id = ? AND method = ?',
      )
      .get(identityId, method);
    return (
      row && {
        identityId: row.identity_id,
        method: row.method,
        config: JSON.parse(row.config) as Config,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      }
    );
  }
}
