import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config/config-error.ts';

/**
 * The root key encrypts every CA private key at rest (see secret-box.ts). It comes from
 * ENCRYPTION_KEY, or is generated once into `<data-dir>/root.key` (32 random bytes, hex, mode
 * 0600) and read from there afterwards. Losing it makes the stored CAs unusable.
 *
 * @example
 *   const { key, source } = loadRootKey({ dataDir, encryptionKey: config.encryptionKey });
 */
export const ROOT_KEY_FILE = 'root.key';
const ROOT_KEY_BYTES = 32;

export interface RootKey {
  key: Buffer;
  source: 'env' | 'file' | 'generated';
}

export function loadRootKey(options: {
  dataDir: string;
  encryptionKey?: Buffer | undefined;
}): RootKey {
  if (options.encryptionKey) return { key: options.encryptionKey, source: 'env' };
  const file = path.join(options.dataDir, ROOT_KEY_FILE);
  try {
    const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'hex');
    if (key.length !== ROOT_KEY_BYTES) {
      throw new ConfigError(file, `must contain ${ROOT_KEY_BYTES} bytes as hex`);
    }
    fs.chmodSync(file, 0o600);
    return { key, source: 'file' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(ROOT_KEY_BYTES);
  // 'wx' fails if another process created it meanwhile, instead of overwriting its key.
  fs.writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  return { key, source: 'generated' };
}
