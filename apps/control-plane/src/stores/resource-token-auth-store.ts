import { randomUUID } from 'node:crypto';
import type { ResourceType } from '@burrow/auth-methods';
import type { Db } from '../db/database.ts';

/**
 * Token auth of enrolled gateways and relays: which resources use it, the version their access
 * tokens must carry, and their one-time enrollment tokens (digests only).
 *
 * @example
 *   store.create('gateway', gateway.id, orgId);
 *   store.replaceEnrollmentToken('gateway', gateway.id, digestSecret(token), expiresAt);
 *   store.useEnrollmentToken('gateway', digestSecret(presented)); // once, then undefined
 */
export interface ResourceTokenAuth {
  type: ResourceType;
  resourceId: string;
  orgId: string;
  tokenVersion: number;
}

interface Row {
  resource_type: ResourceType;
  resource_id: string;
  org_id: string;
  token_version: number;
}

export class ResourceTokenAuthStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  create(type: ResourceType, resourceId: string, orgId: string, now = Date.now()): void {
    this.#db
      .prepare(
        `INSERT INTO resource_token_auths (resource_type, resource_id, org_id, created_at)
         VALUES (?, ?, ?, ?)`,
      )
      .run(type, resourceId, orgId, now);
  }

  get(type: ResourceType, resourceId: string): ResourceTokenAuth | undefined {
    const row = this.#db
      .prepare<[string, string], Row>(
        'SELECT * FROM resource_token_auths WHERE resource_type = ? AND resource_id = ?',
      )
      .get(type, resourceId);
    return (
      row && {
        type: row.resource_type,
        resourceId: row.resource_id,
        orgId: row.org_id,
        tokenVersion: row.token_version,
      }
    );
  }

  /** Voids every access token (new version) and every enrollment token of the resource. */
  revoke(type: ResourceType, resourceId: string): void {
    this.#db.transaction(() => {
      this.#db
        .prepare(
          `UPDATE resource_token_auths SET token_version = token_version + 1
           WHERE resource_type = ? AND resource_id = ?`,
        )
        .run(type, resourceId);
      this.#deleteEnrollmentTokens(type, resourceId);
    })();
  }

  /** Stores a new enrollment token's digest; the resource's older enrollment tokens are deleted. */
  replaceEnrollmentToken(
    type: ResourceType,
    resourceId: string,
    digest: string,
    expiresAt: number,
    now = Date.now(),
  ): string {
    const id = randomUUID();
    this.#db.transaction(() => {
      this.#deleteEnrollmentTokens(type, resourceId);
      this.#db
        .prepare(
          `INSERT INTO resource_enrollment_tokens
             (id, resource_type, resource_id, token_digest, expires_at, created_at)
           VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .run(id, type, resourceId, digest, expiresAt, now);
    })();
    return id;
  }

  /**
   * Spends the enrollment token with this digest if it is a `type` token, unused and unexpired:
   * exactly one caller gets its resource (one UPDATE decides), every later one gets undefined. A
   * gateway's token shown to the relay login is not spent.
   */
  useEnrollmentToken(
    type: ResourceType,
    digest: string,
    now = Date.now(),
  ): ResourceTokenAuth | undefined {
    const spent = this.#db
      .prepare<
        [number, string, string, number],
        { resource_type: ResourceType; resource_id: string }
      >(
        `UPDATE resource_enrollment_tokens SET used_at = ?
         WHERE token_digest = ? AND resource_type = ? AND used_at IS NULL AND expires_at > ?
         RETURNING resource_type, resource_id`,
      )
      .get(now, digest, type, now);
    return spent && this.get(spent.resource_type, spent.resource_id);
  }

  #deleteEnrollmentTokens(type: ResourceType, resourceId: string): void {
    this.#db
      .prepare('DELETE FROM resource_enrollment_tokens WHERE resource_type = ? AND resource_id = ?')
      .run(type, resourceId);
  }
}
