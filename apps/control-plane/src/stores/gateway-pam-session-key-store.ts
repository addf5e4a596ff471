import { randomBytes } from 'node:crypto';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { Db } from '../db/database.ts';

/**
 * Each gateway's PAM session key: 32 random bytes the gateway encrypts its local recording files
 * with (reference §8.4). Created on first request, then the same key forever; stored sealed
 * with the root key (associated data `gateway-pam-session-key:<gatewayId>`).
 *
 * @example
 *   const key = store.getOrCreate(gateway.id); // Buffer(32)
 */
const label = (gatewayId: string) => `gateway-pam-session-key:${gatewayId}`;

export const PAM_SESSION_KEY_BYTES = 32;

export class GatewayPamSessionKeyStore {
  readonly #db: Db;
  readonly #secretBox: SecretBox;

  constructor(db: Db, secretBox: SecretBox) {
    this.#db = db;
    this.#secretBox = secretBox;
  }

  getOrCreate(gatewayId: string): Buffer {
    const sealed = this.#secretBox.seal(randomBytes(PAM_SESSION_KEY_BYTES), label(gatewayId));
    // INSERT OR IGNORE: the first request wins, every later one reads the same key.
    this.#db
      .prepare(
        'INSERT OR IGNORE INTO gateway_pam_session_keys (gateway_id, key_sealed, created_at) VALUES (?, ?, ?)',
      )
      .run(gatewayId, sealed, Date.now());
    const row = this.#db
      .prepare<[string], { key_sealed: Buffer }>(
        'SELECT key_sealed FROM gateway_pam_session_keys WHERE gateway_id = ?',
      )
      .get(gatewayId);
    if (!row) throw new Error('gateway PAM session key was not stored');
    return this.#secretBox.open(row.key_sealed, label(gatewayId));
  }
}
