import path from 'node:path';
import Database from 'better-sqlite3';
import { ensurePrivateFile } from '../config/data-dir.ts';
import { migrate } from './migrate.ts';

/**
 * The control plane's SQLite database: `<data-dir>/burrow.sqlite`, mode 0600 (SQLite gives its
 * -wal and -shm files the same mode), WAL journal, foreign keys on, migrated on open.
 *
 * better-sqlite3 is synchronous: each statement runs to completion on the event loop, so a
 * request never sees another request's half-written state, and `db.transaction()` is atomic.
 *
 * @example
 *   const db = openDatabase(dataDir); // or openDatabase(':memory:') in tests
 */
export const DATABASE_FILE = 'burrow.sqlite';

export type Db = Database.Database;

export function openDatabase(dataDirOrMemory: string): Db {
  const file =
    dataDirOrMemory === ':memory:' ? ':memory:' : path.join(dataDirOrMemory, DATABASE_FILE);
  if (file !== ':memory:') ensurePrivateFile(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  migrate(db);
  return db;
}
