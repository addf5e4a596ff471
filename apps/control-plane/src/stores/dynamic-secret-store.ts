import { randomUUID } from 'node:crypto';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { Db } from '../db/database.ts';

/**
 * Dynamic-secret configurations (PostgreSQL through a gateway). The admin password is sealed with
 * the root key (associated data `dynamic-secret:<id>:admin-password`, so a ciphertext copied to
 * another row does not open) and only opened to run statements.
 *
 * @example
 *   const secret = store.create({ orgId, name: 'orders-ro', gatewayId, host: 'db', port: 5432, … });
 *   store.adminPassword(secret.id); // never log it
 */
export interface DynamicSecret {
  id: string;
  orgId: string;
  name: string;
  gatewayId: string;
  host: string;
  port: number;
  database: string;
  adminUsername: string;
  ca: string | null;
  creationStatement: string;
  revocationStatement: string;
  renewStatement: string;
  defaultTtlSeconds: number;
  maxTtlSeconds: number | null;
  createdAt: number;
  updatedAt: number;
}

export type DynamicSecretInput = Omit<DynamicSecret, 'id' | 'createdAt' | 'updatedAt'> & {
  adminPassword: string;
};

interface Row {
  id: string;
  org_id: string;
  name: string;
  gateway_id: string;
  host: string;
  port: number;
  database_name: string;
  admin_username: string;
  admin_password_sealed: Buffer;
  ca: string | null;
  creation_statement: string;
  revocation_statement: string;
  renew_statement: string;
  default_ttl_seconds: number;
  max_ttl_seconds: number | null;
  created_at: number;
  updated_at: number;
}

const passwordLabel = (id: string) => `dynamic-secret:${id}:admin-password`;

export class DynamicSecretStore {
  readonly #db: Db;
  readonly #secretBox: SecretBox;

  constructor(db: Db, secretBox: SecretBox) {
    this.#db = db;
    this.#secretBox = secretBox;
  }

  /** Undefined when the organization already has a secret of that name. */
  create(input: DynamicSecretInput): DynamicSecret | undefined {
    const id = randomUUID();
    const now = Date.now();
    const sealed = this.#secretBox.seal(
      Buffer.from(input.adminPassword, 'utf8'),
      passwordLabel(id),
    );
    const result = this.#db
      .prepare(
        `INSERT INTO dynamic_secrets (id, org_id, name, gateway_id, host, port, database_name,
           admin_username, admin_password_sealed, ca, creation_statement, revocation_statement,
           renew_statement, default_ttl_seconds, max_ttl_seconds, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (org_id, name) DO NOTHING`,
      )
      .run(
        id,
        input.orgId,
        input.name,
        input.gatewayId,
        input.host,
        input.port,
        input.database,
        input.adminUsername,
        sealed,
        input.ca,
        input.creationStatement,
        input.revocationStatement,
        input.renewStatement,
        input.defaultTtlSeconds,
        input.maxTtlSeconds,
        now,
        now,
      );
    return result.changes === 1 ? this.get(id) : undefined;
  }

  update(id: string, input: DynamicSecretInput): DynamicSecret | undefined {
    const sealed = this.#secretBox.seal(
      Buffer.from(input.adminPassword, 'utf8'),
      passwordLabel(id),
    );
    this.#db
      .prepare(
        `UPDATE dynamic_secrets SET host = ?, port = ?, database_name = ?, admin_username = ?,
           admin_password_sealed = ?, creation_statement = ?, revocation_statement = ?,
           renew_statement = ?, default_ttl_seconds = ?, max_ttl_seconds = ?, updated_at = ?
         WHERE id = ?`,
      )
      .run(
        input.host,
        input.port,
        input.database,
        input.adminUsername,
        sealed,
        input.creationStatement,
        input.revocationStatement,
        input.renewStatement,
        input.defaultTtlSeconds,
        input.maxTtlSeconds,
        Date.now(),
        id,
      );
    return this.get(id);
  }

  get(id: string): DynamicSecret | undefined {
    const row = this.#db
      .prepare<[string], Row>('SELECT * FROM dynamic_secrets WHERE id = ?')
      .get(id);
    return row && toSecret(row);
  }

  findByName(orgId: string, name: string): DynamicSecret | undefined {
    const row = this.#db
      .prepare<[string, string], Row>('SELECT * FROM dynamic_secrets WHERE org_id = ? AND name = ?')
      .get(orgId, name);
    return row && toSecret(row);
  }

  list(orgId: string): DynamicSecret[] {
    return this.#db
      .prepare<[string], Row>('SELECT * FROM dynamic_secrets WHERE org_id = ? ORDER BY name')
      .all(orgId)
      .map(toSecret);
  }

  delete(id: string): void {
    this.#db.prepare('DELETE FROM dynamic_secret_leases WHERE dynamic_secret_id = ?').run(id);
    this.#db.prepare('DELETE FROM dynamic_secrets WHERE id = ?').run(id);
  }

  /** The admin password, opened from its sealed column. Never log the result. */
  adminPassword(id: string): string {
    const row = this.#db
      .prepare<[string], Pick<Row, 'admin_password_sealed'>>(
        'SELECT admin_password_sealed FROM dynamic_secrets WHERE id = ?',
      )
      .get(id);
    if (!row) throw new Error(`dynamic secret ${id} is gone`);
    return this.#secretBox.open(row.admin_password_sealed, passwordLabel(id)).toString('utf8');
  }
}

function toSecret(row: Row): DynamicSecret {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    gatewayId: row.gateway_id,
    host: row.host,
    port: row.port,
    database: row.database_name,
    adminUsername: row.admin_username,
    ca: row.ca,
    creationStatement: row.creation_statement,
    revocationStatement: row.revocation_statement,
    renewStatement: row.renew_statement,
    defaultTtlSeconds: row.default_ttl_seconds,
    maxTtlSeconds: row.max_ttl_seconds,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
