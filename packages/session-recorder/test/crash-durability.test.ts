import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decryptRecordingFile, openSessionRecording } from '../src/index.ts';
import { inAnHour, recordingFixture } from './support/recording-fixtures.ts';

const WRITER = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  'support',
  'crash-writer.ts',
);

describe('crash durability', () => {
  it('every append that resolved survives SIGKILL mid-append; the torn tail is ignored and cut on reopen', async () => {
    const { dir, key, sessionId, cleanup } = await recordingFixture();
    const expiresAt = inAnHour();
    try {
      for (let round = 0; round < 3; round++) {
        const child = spawn(
          process.execPath,
          [WRITER, dir, sessionId, key.toString('hex'), String(expiresAt.getTime())],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        const exited = new Promise<NodeJS.Signals | null>((resolve) =>
          child.on('exit', (_code, signal) => resolve(signal)),
        );
        const wanted = 10 + round * 7;
        while (stdout.split('\n').filter(Boolean).length < wanted) {
          if (child.exitCode !== null) throw new Error(`writer exited: ${stderr}`);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        child.kill('SIGKILL');
        expect(await exited).toBe('SIGKILL');
        const acknowledged = stdout.split('\n').filter(Boolean).map(Number);
        const last = acknowledged[acknowledged.length - 1] as number;

        const [name] = (await readdir(dir)).filter((entry) => entry.endsWith('.enc'));
        const file = path.join(dir, name as string);
        const read = await decryptRecordingFile(file, key);
        // Everything reported durable is there and whole; at most one more record made it.
        expect(read.events.length).toBeGreaterThanOrEqual(last + 1);
        expect(read.events.length).toBeLessThanOrEqual(last + 2);
        for (const event of read.events) {
          const { input, restart } = event as { input?: string; restart?: number };
          expect(restart !== undefined || input?.startsWith('INSERT ')).toBe(true);
        }
        // The next writer (the restarted gateway) appends after the complete records.
        const recording = await openSessionRecording({
          dir,
          sessionId,
          resourceType: 'postgres',
          expiresAt,
          key,
        });
        const index = await recording.append({ restart: round });
        await recording.close();
        expect(index).toBe(read.events.length);
        const after = await decryptRecordingFile(file, key);
        expect(after.truncatedTail).toBeUndefined();
        expect(after.events[index]).toEqual({ restart: round });
      }
    } finally {
      await cleanup();
    }
  });
});
