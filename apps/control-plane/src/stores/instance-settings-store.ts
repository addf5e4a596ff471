import type { Db } from '../db/database.ts';

/**
 * Instance-wide key/value settings (e.g. whether the instance has been bootstrapped).
 *
 * @example
 *   settings.get('bootstrapped_at'); // undefined until POST /api/v1/admin/bootstrap
 */
export class InstanceSettingsStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  get(key: string): string | undefined {
    const row = this.#db
      .prepare<[string], { value: string }>('SELECT value FROM instance_settings WHERE key = ?')
      .get(key);
    return row?.value;
  }

  /** Sets `key` only if unset; returns false if it already had a value. */
  setOnce(key: string, value: string): boolean {
    const result = this.#db
      .prepare('INSERT OR IGNORE INTO instance_settings (key, value) VALUES (?, ?)')
      .run(key, value);
    return result.changes === 1;
  }
}
