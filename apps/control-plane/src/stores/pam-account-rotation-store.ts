import type { Db } from '../db/database.ts';

/**
 * A PAM account's password rotation: whether it runs on a schedule, when next, and how the last
 * attempt ended. No row = never set up (on-demand rotation creates one).
 *
 * @example
 *   rotations.setSchedule(accountId, true, 86_400, Date.now() + 86_400_000);
 *   rotations.due(Date.now()); // account ids whose rotation time came
 */
export interface PamAccountRotation {
  accountId: string;
  enabled: boolean;
  intervalSeconds: number | null;
  nextRotationAt: number | null;
  lastRotatedAt: number | null;
  status: 'success' | 'failed' | null;
  message: string | null;
}

interface Row {
  account_id: string;
  enabled: number;
  interval_seconds: number | null;
  next_rotation_at: number | null;
  last_rotated_at: number | null;
  status: 'success' | 'failed' | null;
  message: string | null;
}

export class PamAccountRotationStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  get(accountId: string): PamAccountRotation {
    const row = this.#db
      .prepare<[string], Row>('SELECT * FROM pam_account_rotations WHERE account_id = ?')
      .get(accountId);
    return row
      ? {
          accountId,
          enabled: row.enabled === 1,
          intervalSeconds: row.interval_seconds,
          nextRotationAt: row.next_rotation_at,
          lastRotatedAt: row.last_rotated_at,
          status: row.status,
          message: row.message,
        }
      : {
          accountId,
          enabled: false,
          intervalSeconds: null,
          nextRotationAt: null,
          lastRotatedAt: null,
          status: null,
          message: null,
        };
  }

  setSchedule(
    accountId: string,
    enabled: boolean,
    intervalSeconds: number | null,
    nextRotationAt: number | null,
  ): void {
    this.#db
      .prepare(
        `INSERT INTO pam_account_rotations (account_id, enabled, interval_seconds, next_rotation_at)
         VALUES (?, ?, ?, ?)
         ON CONFLICT (account_id) DO UPDATE SET enabled = excluded.enabled,
           interval_seconds = excluded.interval_seconds, next_rotation_at = excluded.next_rotation_at`,
      )
      .run(accountId, enabled ? 1 : 0, intervalSeconds, nextRotationAt);
  }

  /** Records an attempt's outcome; `rotatedAt` only on success; `nextRotationAt` for schedules. */
  recordOutcome(
    accountId: string,
    outcome: {
      status: 'success' | 'failed';
      message: string | null;
      rotatedAt: number | null;
      nextRotationAt: number | null;
    },
  ): void {
    this.#db
      .prepare(
        `INSERT INTO pam_account_rotations (account_id, status, message, last_rotated_at, next_rotation_at)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (account_id) DO UPDATE SET status = excluded.status, message = excluded.message,
           last_rotated_at = COALESCE(excluded.last_rotated_at, last_rotated_at),
           next_rotation_at = excluded.next_rotation_at`,
      )
      .run(accountId, outcome.status, outcome.message, outcome.rotatedAt, outcome.nextRotationAt);
  }

  /** Accounts whose scheduled rotation is due at `now`. */
  due(now: number, limit = 50): string[] {
    return this.#db
      .prepare<[number, number], { account_id: string }>(
        `SELECT account_id FROM pam_account_rotations
         WHERE enabled = 1 AND next_rotation_at IS NOT NULL AND next_rotation_at <= ?
         ORDER BY next_rotation_at LIMIT ?`,
      )
      .all(now, limit)
      .map((row) => row.account_id);
  }

  nextDueAt(): number | undefined {
    const row = this.#db
      .prepare<[], { at: number | null }>(
        'SELECT MIN(next_rotation_at) AS at FROM pam_account_rotations WHERE enabled = 1',
      )
      .get();
    return row?.at ?? undefined;
  }
}
