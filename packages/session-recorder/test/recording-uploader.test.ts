import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  RecordingUploader,
  offsetFilePath,
  openSessionRecording,
  retryDelayMs,
} from '../src/index.ts';
import type { RecordingUploaderOptions, SessionRecording } from '../src/index.ts';
import { FakeControlPlane } from './support/fake-control-plane.ts';
import { inAnHour, queryEvent, recordingFixture } from './support/recording-fixtures.ts';

let fixture: Awaited<ReturnType<typeof recordingFixture>>;
let server: FakeControlPlane;
beforeEach(async () => {
  fixture = await recordingFixture();
  server = new FakeControlPlane();
});
afterEach(async () => {
  await fixture.cleanup();
});

async function record(count: number, expiresAt = inAnHour()): Promise<SessionRecording> {
  const recording = await openSessionRecording({
    dir: fixture.dir,
    sessionId: fixture.sessionId,
    resourceType: 'postgres',
    expiresAt,
    key: fixture.key,
  });
  for (let i = 0; i < count; i++) await recording.append(queryEvent(i));
  return recording;
}

function uploader(options: Partial<RecordingUploaderOptions> = {}): RecordingUploader {
  return new RecordingUploader({
    dir: fixture.dir,
    key: fixture.key,
    upload: server.upload,
    end: server.end,
    retryJitter: 0,
    ...options,
  });
}

const files = async () => (await readdir(fixture.dir)).sort();
const expected = (count: number) => Array.from({ length: count }, (_, i) => queryEvent(i));

describe('RecordingUploader', () => {
  it('uploads new events from the persisted offset; keeps the file until the session ended', async () => {
    const recording = await record(3);
    const up = uploader();
    expect(await up.flush(fixture.sessionId)).toMatchObject({
      recordedEvents: 3,
      acknowledgedEvents: 3,
      ended: false,
      deleted: false,
    });
    expect(await readFile(offsetFilePath(recording.path), 'utf8')).toBe('3\n');
    await recording.append(queryEvent(3));
    await up.flush(fixture.sessionId);
    expect(server.uploads.map((u) => [u.startIndex, u.count])).toEqual([
      [0, 3],
      [3, 1],
    ]);
    await up.flush(fixture.sessionId); // nothing new: no upload
    expect(server.uploads).toHaveLength(2);
    expect(server.endCalls).toBe(0);

    await recording.markEnded();
    expect(await up.flush(fixture.sessionId)).toMatchObject({ ended: true, deleted: true });
    expect(server.events.get(fixture.sessionId)).toEqual(expected(4));
    expect(server.ended.has(fixture.sessionId)).toBe(true);
    expect(await files()).toEqual([]);
    expect(await up.flush(fixture.sessionId)).toBeUndefined();
  });

  it('a crash between an upload and the offset write: the batch is sent again, stored once', async () => {
    const recording = await record(5);
    // The first gateway process: the control plane stores the batch, then the process dies
    // before it writes the offset (the upload callback never returns to the uploader).
    const dying = uploader({
      upload: async (sessionId, startIndex, events) => {
        await server.upload(sessionId, startIndex, events);
        throw new Error('killed before the offset was written');
      },
    });
    await expect(dying.flush(fixture.sessionId)).rejects.toThrow('killed');
    expect(await files()).not.toContain(path.basename(offsetFilePath(recording.path)));
    await recording.append(queryEvent(5));
    await recording.markEnded();

    // The restarted gateway resumes from the persisted offset (none: 0).
    const restarted = uploader();
    expect(await restarted.flush(fixture.sessionId)).toMatchObject({
      acknowledgedEvents: 6,
      deleted: true,
    });
    expect(server.uploads.map((u) => [u.startIndex, u.count])).toEqual([
      [0, 5],
      [0, 6],
    ]);
    expect(server.events.get(fixture.sessionId)).toEqual(expected(6));
  });

  it('retries a failing control plane with exponential backoff, then catches up', async () => {
    await record(2);
    server.failUploads = 3;
    let now = 1_000_000;
    const errors: unknown[] = [];
    const up = uploader({
      now: () => now,
      retryBaseMs: 100,
      retryCapMs: 250,
      onError: (_sessionId, error) => errors.push(error),
    });
    const attemptsAt: number[] = [];
    const tick = async () => {
      const before = server.uploads.length;
      await up.runOnce();
      if (server.uploads.length > before) attemptsAt.push(now - 1_000_000);
    };
    for (let t = 0; t <= 1000; t += 10) {
      now = 1_000_000 + t;
      await tick();
    }
    // Failures at 0, 100, 300 (waits 100, 200, then capped 250): success at 550.
    expect(attemptsAt).toEqual([0, 100, 300, 550]);
    expect(errors).toHaveLength(3);
    expect(String(errors[0])).toContain('503');
    expect(server.events.get(fixture.sessionId)).toEqual(expected(2));
    expect(retryDelayMs(1, { baseMs: 100, capMs: 250, jitter: 0 })).toBe(100);
    expect(retryDelayMs(10, { baseMs: 100, capMs: 250, jitter: 0.5, random: () => 1 })).toBe(125);
  });

  it('deletes only after the session ended, every event was acknowledged and end succeeded', async () => {
    const recording = await record(4);
    await recording.markEnded();
    const up = uploader({ maxBatchEvents: 3 });
    server.failUploads = 1;
    await expect(up.flush(fixture.sessionId)).rejects.toThrow('503');
    expect((await files()).some((name) => name.endsWith('.enc'))).toBe(true);
    // First batch stored, then the control plane fails: not everything acknowledged.
    server.failUploads = 0;
    const realUpload = server.upload;
    let calls = 0;
    const flaky = uploader({
      maxBatchEvents: 3,
      upload: async (...args) => {
        calls += 1;
        if (calls === 2) throw new Error('503 on the second batch');
        return realUpload(...args);
      },
    });
    await expect(flaky.flush(fixture.sessionId)).rejects.toThrow('second batch');
    expect(await readFile(offsetFilePath(recording.path), 'utf8')).toBe('3\n');
    expect(server.endCalls).toBe(0);
    // Everything acknowledged but end fails: still kept.
    server.failEnds = 1;
    await expect(up.flush(fixture.sessionId)).rejects.toThrow('503');
    expect((await files()).some((name) => name.endsWith('.enc'))).toBe(true);
    expect(await up.flush(fixture.sessionId)).toMatchObject({ deleted: true });
    expect(server.events.get(fixture.sessionId)).toEqual(expected(4));
    expect(server.uploads.map((u) => [u.startIndex, u.count])).toEqual([
      [0, 3],
      [0, 3],
      [3, 1],
    ]);
    expect(await files()).toEqual([]);
  });

  it('an expired session counts as ended, but not while a connection still holds the file', async () => {
    const recording = await record(2, new Date(Date.now() - 1000));
    const up = uploader();
    expect(await up.flush(fixture.sessionId)).toMatchObject({ ended: true, deleted: false });
    await recording.close();
    expect(await up.flush(fixture.sessionId)).toMatchObject({ ended: true, deleted: true });
    expect(server.ended.has(fixture.sessionId)).toBe(true);
  });

  it('start() resumes what a previous run left in the directory and keeps going', async () => {
    const recording = await record(3);
    await writeFile(offsetFilePath(recording.path), '2\n');
    server.events.set(fixture.sessionId, expected(2));
    await recording.markEnded();
    const up = uploader({ intervalMs: 20 });
    up.start();
    try {
      while ((await files()).length > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      await up.stop();
    }
    expect(server.uploads.map((u) => [u.startIndex, u.count])).toEqual([[2, 1]]);
    expect(server.events.get(fixture.sessionId)).toEqual(expected(3));
  });

  it('rewinds when the control plane acknowledges fewer events than the offset says', async () => {
    const recording = await record(4);
    await writeFile(offsetFilePath(recording.path), '3\n');
    server.events.set(fixture.sessionId, expected(1)); // it lost events 1 and 2
    const up = uploader({
      upload: async (sessionId, startIndex, events) => {
        const stored = server.events.get(sessionId) ?? [];
        // A gap answers with the stored count, as the control plane's 409 body does.
        if (startIndex > stored.length) return { acknowledgedEvents: stored.length };
        return server.upload(sessionId, startIndex, events);
      },
    });
    expect(await up.flush(fixture.sessionId)).toMatchObject({ acknowledgedEvents: 4 });
    expect(server.events.get(fixture.sessionId)).toEqual(expected(4));
    await recording.close();
  });

  it('batches by event count', async () => {
    const recording = await record(10);
    await uploader({ maxBatchEvents: 3 }).flush(fixture.sessionId);
    expect(server.uploads.map((u) => [u.startIndex, u.count])).toEqual([
      [0, 3],
      [3, 3],
      [6, 3],
      [9, 1],
    ]);
    await recording.close();
  });
});

describe('RecordingUploader and a record that fails verification', () => {
  it('uploads the verified events before it, never anything after it, and names it', async () => {
    const recording = await record(6);
    await recording.markEnded();
    // Delete record 3: record 4 now sits at position 3 and does not follow record 2.
    const bytes = await readFile(recording.path);
    const offsets = [0];
    while ((offsets.at(-1) as number) < bytes.length) {
      const at = offsets.at(-1) as number;
      offsets.push(at + 4 + bytes.readUInt32BE(at));
    }
    await writeFile(
      recording.path,
      Buffer.concat([bytes.subarray(0, offsets[3]), bytes.subarray(offsets[4])]),
    );
    const errors: unknown[] = [];
    const up = uploader({ maxBatchEvents: 2, onError: (_id, error) => errors.push(error) });
    await expect(up.flush(fixture.sessionId)).rejects.toThrow(
      /record 3 \(byte \d+\) failed authentication: it does not follow record 2/,
    );
    expect(server.events.get(fixture.sessionId)).toEqual(expected(3));
    await expect(up.flush(fixture.sessionId)).rejects.toThrow(/record 3/);
    expect(server.events.get(fixture.sessionId)).toEqual(expected(3));
    expect(server.endCalls).toBe(0);
    expect(await files()).toContain(path.basename(recording.path));
    expect(errors).toHaveLength(2);
  });
});
