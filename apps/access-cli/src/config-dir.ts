import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Where `burrow` keeps its state: `$BURROW_CONFIG_DIR`, else `~/.burrow`. The directory is created
 * with mode 0700 and tightened to 0700 if it exists with a looser mode, because it holds the
 * access token.
 *
 * @example
 *   const dir = ensureConfigDir(resolveConfigDir(process.env));
 */
export const CONFIG_DIR_MODE = 0o700;

export function resolveConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.BURROW_CONFIG_DIR?.trim();
  if (override) return path.resolve(override);
  return path.join(os.homedir(), '.burrow');
}

export function ensureConfigDir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true, mode: CONFIG_DIR_MODE });
  if ((fs.statSync(dir).mode & 0o777) !== CONFIG_DIR_MODE) fs.chmodSync(dir, CONFIG_DIR_MODE);
  return dir;
}
