import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { RECORDING_FILE_MODE } from './recording-format.ts';

/**
 * The `.offset` file next to a recording: `"<events acknowledged>\n"` (docs/pam-contract.md).
 * Written to a temporary file, fsync'd and renamed over the old one, so a crash leaves either
 * the old or the new count, never a torn one.
 */

/**
 * The acknowledged event count, 0 when the file is missing or unreadable. Starting over from 0
 * is always safe: the event-batch route ignores events it already stored.
 */
export async function readAcknowledgedCount(offsetPath: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(offsetPath, 'utf8');
  } catch {
    return 0;
  }
  const firstLine = text.split('\n', 1)[0]?.trim() ?? '';
  if (!/^\d{1,15}$/.test(firstLine)) return 0;
  return Number(firstLine);
}

/** Persists the acknowledged event count durably (fsync of the file and of its directory). */
export async function writeAcknowledgedCount(offsetPath: string, count: number): Promise<void> {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError('bad acknowledged count');
  const temporary = `${offsetPath}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temporary, 'w', RECORDING_FILE_MODE);
  try {
    await handle.writeFile(`${count}\n`);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temporary, offsetPath);
  await syncDirectory(path.dirname(offsetPath));
}

/** fsync of a directory, so that a rename or a new file survives a power loss. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
