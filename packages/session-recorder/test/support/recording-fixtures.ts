import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** A fresh temporary recording directory and a key; `cleanup` removes the directory. */
export async function recordingFixture(): Promise<{
  dir: string;
  key: Buffer;
  sessionId: string;
  cleanup: () => Promise<void>;
}> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'burrow-recorder-'));
  return {
    dir,
    key: randomBytes(32),
    sessionId: randomUUID(),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A database event as the gateway records it. */
export function queryEvent(n: number, input = `SELECT ${n}`): Record<string, unknown> {
  return { timestamp: new Date(1_700_000_000_000 + n).toISOString(), input, output: 'SELECT 1' };
}

/** One hour from now. */
export function inAnHour(): Date {
  return new Date(Date.now() + 3_600_000);
}
