import fs from 'node:fs';
import path from 'node:path';

/**
 * The data directory holds the SQLite database and (unless ENCRYPTION_KEY is set) the root key.
 * It is created with mode 0700; files inside are created 0600.
 *
 * @example
 *   const dir = ensureDataDir('./.burrow'); // absolute path
 */
export function ensureDataDir(dataDir: string): string {
  const absolute = path.resolve(dataDir);
  fs.mkdirSync(absolute, { recursive: true, mode: 0o700 });
  return absolute;
}

/** Creates `file` empty with mode 0600 if missing, and forces 0600 if it exists. */
export function ensurePrivateFile(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  fs.chmodSync(file, 0o600);
}
