import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ManualClock } from '@burrow/test-support';
import {
  RecordingUploader,
  offsetFilePath,
  openSessionRecording,
  readPendingChunk,
  retryDelayMs,
  writeRecordingSecrets,
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

/**
 * A session recording of `count` events whose control plane handed out recording secrets
 * (`withSecrets`, the normal case) or none (an older control plane: event batches).
 */
async function record(
  count: number,
  { expiresAt = inAnHour(), withSecrets = true } = {},
): Promise<SessionRecording> {
  const recording = await openSessionRecording({
    dir: fixture.dir,
    sessionId: fixture.sessionId,
    resourceType: 'postgres',
    expiresAt,
    key: fixture.key,
  });
  if (withSecrets) {
    const secrets = { key: randomBytes(32), uploadToken: 'upload-token-1', projectId: 'org-1' };
    server.secrets.set(fixture.sessionId, secrets);
    await writeRecordingSecrets(recording.path, fixture.key, fixture.sessionId, {
      sessionKey: secrets.key,
      uploadToken: secrets.uploadToken,
      projectId: secrets.projectId,
      storageBackend: 'postgres',
    });
  }
  for (let i = 0; i < count; i++) await recording.append(queryEvent(i));
  return recording;
}

function uploader(options: Partial<RecordingUploaderOptions> = {}): RecordingUploader {
  return new RecordingUploader({
    dir: fixture.dir,
    key: fixture.key,
    uploadChunk: server.uploadChunk,
    uploadEvents: server.uploadEvents,
    end: server.end,
    retryJitter: 0,
    ...options,
  });
}

const files = async () => (await readdir(fixture.dir)).sort();
const expected = (count: number) => Array.from({ length: count }, (_, i) => queryEvent(i));
const uploads = () => server.uploads.map((u) => [u.kind, u.at, u.count]);

/** Byte offsets of the records of a file. */
async function recordOffsets(file: string): Promise<number[]> {
  const bytes = await readFile(file);
  const offsets: number[] = [];
  for (let at = 0; at < bytes.length; at += 4 + bytes.readUInt32BE(at)) offsets.push(at);
  return offsets;
}

describe('RecordingUploader (chunks, the reference protocol)', () => {
  it('uploads new events as chunks 0, 1, … from the persisted progress; deletes every file once ended', async () => {
    const recording = await record(3);
    const up = uploader();
    expect(await up.flush(fixture.sessionId)).toMatchObject({
      recordedEvents: 3,
      acknowledgedEvents: 3,
      ended: false,
      deleted: false,
    });
    const offsets = await recordOffsets(recording.path);
    const [events, byteOffset, nextChunkIndex] = (
      await readFile(offsetFilePath(recording.path), 'utf8')
    ).split('\n');
    expect([events, byteOffset, nextChunkIndex]).toEqual([
      '3',
      String((await readFile(recording.path)).length),
      '1',
    ]);
    expect(offsets).toHaveLength(3);
    await recording.append(queryEvent(3));
    await up.flush(fixture.sessionId);
    expect(uploads()).toEqual([
      ['chunk', 0, 3],
      ['chunk', 1, 1],
    ]);
    await up.flush(fixture.sessionId); // nothing new: no upload
    expect(server.uploads).toHaveLength(2);
    expect(server.endCalls).toBe(0);

    await recording.markEnded();
    expect(await up.flush(fixture.sessionId)).toMatchObject({ ended: true, deleted: true });
    expect(server.events(fixture.sessionId)).toEqual(expected(4));
    expect(server.ended.has(fixture.sessionId)).toBe(true);
    expect(server.recordedEvents.get(fixture.sessionId)).toBe(4);
    expect(await files()).toEqual([]);
    expect(await up.flush(fixture.sessionId)).toBeUndefined();
  });

  it('a crash after a chunk was sent: the same chunk (index and bytes) is sent again, stored once', async () => {
    const recording = await record(5);
    const sent: unknown[] = [];
    const dying = uploader({
      uploadChunk: async (sessionId, token, body) => {
        sent.push(body);
        await server.uploadChunk(sessionId, token, body);
        throw new Error('killed before the progress was written');
      },
    });
    await expect(dying.flush(fixture.sessionId)).rejects.toThrow('killed');
    expect(await readPendingChunk(recording.path)).toMatchObject({ chunkIndex: 0 });
    await recording.append(queryEvent(5));
    await recording.markEnded();

    const restarted = uploader({
      uploadChunk: async (sessionId, token, body) => {
        sent.push(body);
        await server.uploadChunk(sessionId, token, body);
      },
    });
    expect(await restarted.flush(fixture.sessionId)).toMatchObject({
      acknowledgedEvents: 6,
      deleted: true,
    });
    expect(sent[1]).toEqual(sent[0]);
    expect(uploads()).toEqual([
      ['chunk', 0, 5],
      ['chunk', 0, 5],
      ['chunk', 1, 1],
    ]);
    expect(server.events(fixture.sessionId)).toEqual(expected(6));
  });

  it('retries a failing control plane with exponential backoff, then catches up', async () => {
    await record(2);
    server.failUploads = 3;
    const clock = new ManualClock(1_000_000);
    const errors: unknown[] = [];
    const attemptsAt: number[] = [];
    let attempts = 0;
    const counting = uploader({
      clock,
      intervalMs: 10,
      retryBaseMs: 100,
      retryCapMs: 250,
      onError: (_sessionId, error) => errors.push(error),
      uploadChunk: async (...args) => {
        attempts += 1;
        attemptsAt.push(clock.now() - 1_000_000);
        return server.uploadChunk(...args);
      },
    });
    // A pass now, then one 10 ms after each ends; each session waits out its own backoff.
    counting.start();
    try {
      await clock.advance(0);
      await counting.idle();
      for (let t = 10; t <= 1000; t += 10) {
        await clock.advance(10);
        await counting.idle();
      }
    } finally {
      await counting.stop();
    }
    // Failures at 0, 100, 300 (waits 100, 200, then capped 250): success at 550.
    expect(attemptsAt).toEqual([0, 100, 300, 550]);
    expect(attempts).toBe(4);
    expect(errors).toHaveLength(3);
    expect(String(errors[0])).toContain('503');
    expect(server.events(fixture.sessionId)).toEqual(expected(2));
    expect(retryDelayMs(1, { baseMs: 100, capMs: 250, jitter: 0 })).toBe(100);
    expect(retryDelayMs(10, { baseMs: 100, capMs: 250, jitter: 0.5, random: () => 1 })).toBe(125);
  });

  it('backlog(): the events not acknowledged and the oldest one’s time, as the last attempt left them', async () => {
    const recording = await record(5);
    const up = uploader({ maxBatchEvents: 2 });
    expect(up.backlog()).toEqual({ events: 0, oldestMs: undefined });
    // The first chunk arrives, the second does not: events 2–4 wait, the oldest is event 2.
    let calls = 0;
    const failing = uploader({
      maxBatchEvents: 2,
      uploadChunk: async (...args) => {
        calls += 1;
        if (calls === 2) throw new Error('503 on the second chunk');
        return server.uploadChunk(...args);
      },
    });
    await expect(failing.flush(fixture.sessionId)).rejects.toThrow('503');
    expect(failing.backlog()).toEqual({
      events: 3,
      oldestMs: Date.parse(queryEvent(2).timestamp as string),
    });
    await recording.append(queryEvent(5));
    await expect(failing.flush(fixture.sessionId)).resolves.toMatchObject({ deleted: false });
    expect(failing.backlog()).toEqual({ events: 0, oldestMs: undefined });
    await recording.markEnded();
    await failing.flush(fixture.sessionId);
    expect(await files()).toEqual([]);
    expect(failing.backlog()).toEqual({ events: 0, oldestMs: undefined });
    expect(up.backlog()).toEqual({ events: 0, oldestMs: undefined });
  });

  it('deletes only after the session ended, every event was acknowledged and end succeeded', async () => {
    const recording = await record(4);
    await recording.markEnded();
    const up = uploader({ maxBatchEvents: 3 });
    let calls = 0;
    const flaky = uploader({
      maxBatchEvents: 3,
      uploadChunk: async (...args) => {
        calls += 1;
        if (calls === 2) throw new Error('503 on the second chunk');
        return server.uploadChunk(...args);
      },
    });
    await expect(flaky.flush(fixture.sessionId)).rejects.toThrow('second chunk');
    expect((await readFile(offsetFilePath(recording.path), 'utf8')).split('\n')[0]).toBe('3');
    expect(server.endCalls).toBe(0);
    // Everything acknowledged but end fails: still kept.
    server.failEnds = 1;
    await expect(up.flush(fixture.sessionId)).rejects.toThrow('503');
    expect((await files()).some((name) => name.endsWith('.enc'))).toBe(true);
    expect(await up.flush(fixture.sessionId)).toMatchObject({ deleted: true });
    expect(server.events(fixture.sessionId)).toEqual(expected(4));
    // The refused chunk 1 was kept on disk and sent as it was once the control plane answered.
    expect(uploads()).toEqual([
      ['chunk', 0, 3],
      ['chunk', 1, 1],
    ]);
    expect(await files()).toEqual([]);
  });

  it('an expired session counts as ended, but not while a connection still holds the file', async () => {
    const recording = await record(2, { expiresAt: new Date(Date.now() - 1000) });
    const up = uploader();
    expect(await up.flush(fixture.sessionId)).toMatchObject({ ended: true, deleted: false });
    await recording.close();
    expect(await up.flush(fixture.sessionId)).toMatchObject({ ended: true, deleted: true });
    expect(server.ended.has(fixture.sessionId)).toBe(true);
  });

  it('start() resumes what an older gateway left (an offset of events only) and keeps going every intervalMs', async () => {
    const recording = await record(3);
    await writeFile(offsetFilePath(recording.path), '2\n');
    const clock = new ManualClock();
    const up = uploader({ clock, intervalMs: 10_000 });
    up.start();
    try {
      await clock.advance(0); // the first pass, at once
      await up.idle();
      expect(uploads()).toEqual([['chunk', 0, 1]]);
      await recording.append(queryEvent(3));
      await recording.markEnded();
      await clock.advance(9_999);
      await up.idle();
      expect(uploads()).toHaveLength(1);
      await clock.advance(1); // the next pass: the rest, the end, the files deleted
      await up.idle();
    } finally {
      await up.stop();
    }
    expect(uploads()).toEqual([
      ['chunk', 0, 1],
      ['chunk', 1, 1],
    ]);
    expect(server.events(fixture.sessionId)).toEqual([queryEvent(2), queryEvent(3)]);
    expect(server.recordedEvents.get(fixture.sessionId)).toBe(4);
    expect(await files()).toEqual([]);
  });

  it('stop() waits for the pass under way, and no pass runs after it', async () => {
    const recording = await record(2);
    const clock = new ManualClock();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let uploading!: () => void;
    const uploadStarted = new Promise<void>((resolve) => (uploading = resolve));
    const up = uploader({
      clock,
      intervalMs: 10_000,
      uploadChunk: async (...args) => {
        uploading();
        await released;
        return server.uploadChunk(...args);
      },
    });
    up.start();
    await clock.advance(0);
    await uploadStarted;
    let stopped = false;
    const stopping = up.stop().then(() => (stopped = true));
    await clock.advance(0);
    expect(stopped).toBe(false);
    release();
    await stopping;
    // The pass finished its chunk (acknowledged, progress written) before stop() resolved.
    expect(uploads()).toEqual([['chunk', 0, 2]]);
    expect((await readFile(offsetFilePath(recording.path), 'utf8')).split('\n')[0]).toBe('2');
    expect(clock.pendingDelays()).toEqual([]);
    await recording.append(queryEvent(2));
    await clock.advance(60_000);
    expect(uploads()).toHaveLength(1);
    // Started again: it picks up where the last pass left.
    up.start();
    await clock.advance(0);
    await up.idle();
    await up.stop();
    expect(uploads()).toEqual([
      ['chunk', 0, 2],
      ['chunk', 1, 1],
    ]);
    await recording.close();
  });

  it('batches by event count', async () => {
    const recording = await record(10);
    await uploader({ maxBatchEvents: 3 }).flush(fixture.sessionId);
    expect(uploads()).toEqual([
      ['chunk', 0, 3],
      ['chunk', 1, 3],
      ['chunk', 2, 3],
      ['chunk', 3, 1],
    ]);
    await recording.close();
  });

  it('a chunk refused by the control plane (wrong token) is retried, never skipped', async () => {
    const recording = await record(2);
    server.secrets.set(fixture.sessionId, {
      ...(server.secrets.get(fixture.sessionId) as { key: Buffer; projectId: string }),
      uploadToken: 'another',
    });
    await expect(uploader().flush(fixture.sessionId)).rejects.toThrow('Invalid upload token');
    expect(server.events(fixture.sessionId)).toEqual([]);
    expect(
      (await readFile(offsetFilePath(recording.path), 'utf8').catch(() => '0')).split('\n')[0],
    ).toBe('0');
    await recording.close();
  });
});

describe('RecordingUploader without recording secrets (event batches by byte offset)', () => {
  it('sends each batch with the byte offset of its first record', async () => {
    const recording = await record(5, { withSecrets: false });
    await uploader({ maxBatchEvents: 2 }).flush(fixture.sessionId);
    const offsets = await recordOffsets(recording.path);
    expect(uploads()).toEqual([
      ['batch', offsets[0], 2],
      ['batch', offsets[2], 2],
      ['batch', offsets[4], 1],
    ]);
    expect(server.events(fixture.sessionId)).toEqual(expected(5));
    await recording.close();
  });
});

describe('RecordingUploader and a record that fails verification', () => {
  it('uploads the verified events before it, never anything after it, and names it', async () => {
    const recording = await record(6);
    await recording.markEnded();
    // Delete record 3: record 4 now sits at position 3 and does not follow record 2.
    const bytes = await readFile(recording.path);
    const offsets = [...(await recordOffsets(recording.path)), bytes.length];
    await writeFile(
      recording.path,
      Buffer.concat([bytes.subarray(0, offsets[3]), bytes.subarray(offsets[4])]),
    );
    const errors: unknown[] = [];
    const up = uploader({ maxBatchEvents: 2, onError: (_id, error) => errors.push(error) });
    await expect(up.flush(fixture.sessionId)).rejects.toThrow(
      /record 3 \(byte \d+\) failed authentication: it does not follow record 2/,
    );
    expect(server.events(fixture.sessionId)).toEqual(expected(3));
    await expect(up.flush(fixture.sessionId)).rejects.toThrow(/record 3/);
    expect(server.events(fixture.sessionId)).toEqual(expected(3));
    // The control plane was told, once, that the 3 events are not the whole recording: its
    // readers are warned instead of seeing a complete-looking recording. The file stays.
    expect(server.recordingProblems.get(fixture.sessionId)).toEqual([
      expect.stringMatching(
        /^its local recording failed verification, so the upload stops after 3 events: recording record 3 \(byte \d+\) failed authentication: it does not follow record 2/,
      ),
    ]);
    expect(server.recordedEvents.has(fixture.sessionId)).toBe(false);
    expect(await files()).toContain(path.basename(recording.path));
    expect(errors).toHaveLength(2);
  });

  it('a live session is not ended for it; the problem is reported once the session is over', async () => {
    const recording = await record(3);
    // Change record 1 in place (one ciphertext byte): record 0 is verified, 1 is not.
    const bytes = await readFile(recording.path);
    const at = ((await recordOffsets(recording.path))[1] as number) + 4 + 20;
    bytes[at] = (bytes[at] as number) ^ 1;
    await writeFile(recording.path, bytes);
    const up = uploader();
    await expect(up.flush(fixture.sessionId)).rejects.toThrow(/record 1 \(byte/);
    expect(server.events(fixture.sessionId)).toEqual(expected(1));
    expect(server.endCalls).toBe(0);
    await recording.close();
    // Expired and no connection holds it: over. A failing report is retried.
    const over = uploader({ clock: new ManualClock(Date.now() + 2 * 3_600_000) });
    server.failEnds = 1;
    await expect(over.flush(fixture.sessionId)).rejects.toThrow('503');
    await expect(over.flush(fixture.sessionId)).rejects.toThrow(/record 1 \(byte/);
    await expect(over.flush(fixture.sessionId)).rejects.toThrow(/record 1 \(byte/);
    expect(server.recordingProblems.get(fixture.sessionId)).toEqual([
      expect.stringContaining('so the upload stops after 1 event: recording record 1'),
      expect.stringContaining('so the upload stops after 1 event: recording record 1'),
    ]);
    expect(server.endCalls).toBe(2);
    expect(server.events(fixture.sessionId)).toEqual(expected(1));
    expect(await files()).toContain(path.basename(recording.path));
  });

  it('a record whose length was changed to an impossible one: the same, naming it', async () => {
    const recording = await record(5);
    await recording.markEnded();
    const bytes = await readFile(recording.path);
    const at = (await recordOffsets(recording.path))[3] as number;
    bytes.writeUInt32BE(0xffffffff, at);
    await writeFile(recording.path, bytes);
    await expect(uploader({ maxBatchEvents: 2 }).flush(fixture.sessionId)).rejects.toThrow(
      `record 3 at byte ${at} has an impossible length 4294967295`,
    );
    expect(server.events(fixture.sessionId)).toEqual(expected(3));
    expect(server.recordingProblems.get(fixture.sessionId)).toEqual([
      'its local recording failed verification, so the upload stops after 3 events: ' +
        `record 3 at byte ${at} has an impossible length 4294967295`,
    ]);
    expect(await files()).toContain(path.basename(recording.path));
  });
});

describe('RecordingUploader and an ended recording whose end was cut off', () => {
  it('ends the session with what is left and tells the control plane the seal is missing', async () => {
    const recording = await record(5);
    await recording.markEnded();
    // Cut the last two events and the seal off: 3 complete records remain, the marker stays.
    const offsets = await recordOffsets(recording.path);
    await writeFile(recording.path, (await readFile(recording.path)).subarray(0, offsets[3]));
    expect(await uploader().flush(fixture.sessionId)).toMatchObject({
      recordedEvents: 3,
      deleted: true,
    });
    expect(server.events(fixture.sessionId)).toEqual(expected(3));
    expect(server.recordedEvents.get(fixture.sessionId)).toBe(3);
    expect(server.recordingProblems.get(fixture.sessionId)).toEqual([
      'its local recording was ended but its seal is missing: the file was cut off after 3 ' +
        'events (the seal at least, maybe more events, are gone)',
    ]);
  });

  it('a sealed recording, or an expired one never ended (its connections closed), reports nothing', async () => {
    const sealed = await record(2);
    await sealed.markEnded();
    await uploader().flush(fixture.sessionId);
    expect(server.recordedEvents.get(fixture.sessionId)).toBe(2);
    expect(server.recordingProblems.size).toBe(0);

    const other = await recordingFixture();
    try {
      const expired = await openSessionRecording({
        dir: other.dir,
        sessionId: other.sessionId,
        resourceType: 'postgres',
        expiresAt: new Date(Date.now() - 1000),
        key: other.key,
      });
      await expired.append(queryEvent(0));
      await expired.close();
      const up = new RecordingUploader({
        dir: other.dir,
        key: other.key,
        uploadChunk: server.uploadChunk,
        uploadEvents: server.uploadEvents,
        end: server.end,
      });
      expect(await up.flush(other.sessionId)).toMatchObject({ deleted: true });
      expect(server.recordedEvents.get(other.sessionId)).toBe(1);
      expect(server.recordingProblems.size).toBe(0);
    } finally {
      await other.cleanup();
    }
  });
});
