import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { open, readFile, readdir, stat, truncate, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import {
  RecordingEndedError,
  RecordingFormatError,
  RecordingIntegrityError,
  RecordingKeyError,
  decryptRecordingFile,
  openSessionRecording,
  parseRecordingFileName,
  readRecordingEvents,
  recordingFileName,
  recordingWriteTotals,
} from '../src/index.ts';
import { inAnHour, queryEvent, recordingFixture } from './support/recording-fixtures.ts';

let fixture: Awaited<ReturnType<typeof recordingFixture>>;
/** One expiry per test: it is part of the file name, so every open1() must use the same. */
let sessionExpiresAt: Date;
beforeEach(async () => {
  fixture = await recordingFixture();
  sessionExpiresAt = inAnHour();
});
afterEach(async () => {
  await fixture.cleanup();
});

function open1(expiresAt = sessionExpiresAt) {
  return openSessionRecording({
    dir: fixture.dir,
    sessionId: fixture.sessionId,
    resourceType: 'postgres',
    expiresAt,
    key: fixture.key,
  });
}

describe('recording file', () => {
  it('round trip: events come back in order, named as the contract says, mode 0600', async () => {
    const expiresAt = new Date(1_900_000_000_500);
    const recording = await open1(expiresAt);
    const events = [queryEvent(0), queryEvent(1, "SELECT 'ü', $1 = 'a''b'"), queryEvent(2)];
    const indexes = [];
    for (const event of events) indexes.push(await recording.append(event));
    await recording.close();
    expect(indexes).toEqual([0, 1, 2]);
    expect(
      recording.path.endsWith(`pam_session_${fixture.sessionId}_postgres_expires_1900000000.enc`),
    ).toBe(true);
    expect((await stat(recording.path)).mode & 0o777).toBe(0o600);
    expect(await decryptRecordingFile(recording.path, fixture.key)).toEqual({
      events,
      truncatedTail: undefined,
      format: 2,
      sealed: false,
    });
    // Plaintext appears nowhere in the file.
    expect((await readFile(recording.path)).includes(Buffer.from('SELECT'))).toBe(false);
  });

  it('record layout: uint32 BE length ‖ nonce(12) ‖ ciphertext ‖ tag(16)', async () => {
    const recording = await open1();
    const event = queryEvent(7);
    await recording.append(event);
    await recording.close();
    const bytes = await readFile(recording.path);
    const length = bytes.readUInt32BE(0);
    expect(bytes.length).toBe(4 + length);
    expect(length).toBe(12 + Buffer.byteLength(JSON.stringify(event)) + 16);
  });

  it('a changed byte anywhere in a record is a RecordingIntegrityError naming the record', async () => {
    const recording = await open1();
    await recording.append(queryEvent(0));
    await recording.append(queryEvent(1));
    await recording.close();
    const bytes = await readFile(recording.path);
    const second = 4 + bytes.readUInt32BE(0);
    for (const at of [second + 4, second + 20, bytes.length - 1]) {
      const copy = Buffer.from(bytes);
      copy[at] = (copy[at] as number) ^ 0x01;
      await writeFile(recording.path, copy);
      const error = await decryptRecordingFile(recording.path, fixture.key).catch((e) => e);
      expect(error).toBeInstanceOf(RecordingIntegrityError);
      expect(error).toMatchObject({ recordIndex: 1, byteOffset: second });
    }
  });

  it('the wrong key is a RecordingIntegrityError; a key of the wrong size a RecordingKeyError', async () => {
    const recording = await open1();
    await recording.append(queryEvent(0));
    await recording.close();
    await expect(decryptRecordingFile(recording.path, randomBytes(32))).rejects.toBeInstanceOf(
      RecordingIntegrityError,
    );
    await expect(decryptRecordingFile(recording.path, randomBytes(16))).rejects.toBeInstanceOf(
      RecordingKeyError,
    );
  });

  it('an impossible length in the middle of the file is a RecordingFormatError', async () => {
    const recording = await open1();
    await recording.append(queryEvent(0));
    await recording.append(queryEvent(1));
    await recording.close();
    const bytes = await readFile(recording.path);
    bytes.writeUInt32BE(0xffffffff, 0);
    await writeFile(recording.path, bytes);
    await expect(decryptRecordingFile(recording.path, fixture.key)).rejects.toBeInstanceOf(
      RecordingFormatError,
    );
  });

  it('a truncated last record (crash mid-append) is reported and ignored, at every cut', async () => {
    const recording = await open1();
    await recording.append(queryEvent(0));
    await recording.append(queryEvent(1));
    await recording.close();
    const full = await readFile(recording.path);
    const second = 4 + full.readUInt32BE(0);
    for (const cut of [second + 1, second + 3, second + 4, second + 30, full.length - 1]) {
      await writeFile(recording.path, full.subarray(0, cut));
      const read = await decryptRecordingFile(recording.path, fixture.key);
      expect(read.events).toEqual([queryEvent(0)]);
      expect(read.truncatedTail).toEqual({ byteOffset: second, bytes: cut - second });
    }
  });

  it('a zero-filled tail (power loss after the file grew) is a truncated tail too', async () => {
    const recording = await open1();
    await recording.append(queryEvent(0));
    await recording.close();
    const size = (await stat(recording.path)).size;
    await truncate(recording.path, size + 100);
    const read = await decryptRecordingFile(recording.path, fixture.key);
    expect(read.events).toEqual([queryEvent(0)]);
    expect(read.truncatedTail).toEqual({ byteOffset: size, bytes: 100 });
  });

  it('reopening after a torn append cuts the torn bytes off, so new records stay readable', async () => {
    const recording = await open1();
    await recording.append(queryEvent(0));
    await recording.close();
    const handle = await open(recording.path, 'a');
    await handle.write(Buffer.from([0, 0, 1, 0, 9, 9, 9]));
    await handle.close();
    const again = await open1();
    expect(await again.append(queryEvent(1))).toBe(1);
    await again.close();
    expect(await decryptRecordingFile(recording.path, fixture.key)).toEqual({
      events: [queryEvent(0), queryEvent(1)],
      truncatedTail: undefined,
      format: 2,
      sealed: false,
    });
  });

  it('concurrent connections of one session append every event whole, indexes unique', async () => {
    const connections = await Promise.all([open1(), open1(), open1(), open1()]);
    const indexes = await Promise.all(
      connections.flatMap((connection, c) =>
        Array.from({ length: 25 }, (_, i) =>
          connection.append(queryEvent(c * 100 + i, 'y'.repeat(5000))),
        ),
      ),
    );
    await Promise.all(connections.map((connection) => connection.close()));
    expect([...indexes].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const { events } = await decryptRecordingFile(connections[0]!.path, fixture.key);
    expect(events).toHaveLength(100);
    // Each event sits at the index append reported for it.
    const byIndex = new Map(indexes.map((index, k) => [index, k]));
    events.forEach((event, index) => {
      const k = byIndex.get(index) as number;
      expect(event).toEqual(queryEvent(Math.floor(k / 25) * 100 + (k % 25), 'y'.repeat(5000)));
    });
  });

  it('group commit: appends queued together share one write and fsync, in call order, chained', async () => {
    const connections = await Promise.all([open1(), open1(), open1(), open1()]);
    const before = recordingWriteTotals();
    // 40 appends in one turn of the event loop, round robin over the connections.
    const appends = Array.from({ length: 40 }, (_, k) => connections[k % 4]!.append(queryEvent(k)));
    expect(await Promise.all(appends)).toEqual(Array.from({ length: 40 }, (_, k) => k));
    const after = recordingWriteTotals();
    expect(after.records - before.records).toBe(40);
    expect(after.syncs - before.syncs).toBe(1);
    // Appends made while a flush may already run keep their order too.
    const first = connections[0]!.append(queryEvent(40));
    await Promise.resolve();
    const second = connections[1]!.append(queryEvent(41));
    expect(await Promise.all([first, second])).toEqual([40, 41]);
    await connections[2]!.markEnded();
    await Promise.all(connections.map((connection) => connection.close()));
    // The reader verifies every record's place in the chain and the seal.
    const read = await decryptRecordingFile(connections[0]!.path, fixture.key);
    expect(read.events).toEqual(Array.from({ length: 42 }, (_, k) => queryEvent(k)));
    expect(read.sealed).toBe(true);
  });

  it('an event that cannot be recorded is refused alone; the rest of its batch is written', async () => {
    const recording = await open1();
    const appends = [
      recording.append(queryEvent(0)),
      recording.append({ notJson: 1n }), // JSON.stringify throws on a BigInt
      recording.append(queryEvent(1)),
    ];
    const [a, b, c] = await Promise.allSettled(appends);
    expect(a).toEqual({ status: 'fulfilled', value: 0 });
    expect(b?.status).toBe('rejected');
    expect(c).toEqual({ status: 'fulfilled', value: 1 });
    await recording.close();
    const read = await decryptRecordingFile(recording.path, fixture.key);
    expect(read.events).toEqual([queryEvent(0), queryEvent(1)]);
  });

  it('appends after markEnded are refused; those before it are written before the seal', async () => {
    const a = await open1();
    const b = await open1();
    const before = a.append(queryEvent(0));
    const ended = b.markEnded();
    await expect(a.append(queryEvent(1))).rejects.toBeInstanceOf(RecordingEndedError);
    expect(await before).toBe(0);
    await ended;
    await a.close();
    const read = await decryptRecordingFile(a.path, fixture.key);
    expect(read.events).toEqual([queryEvent(0)]);
    expect(read.sealed).toBe(true);
  });

  it('one connection closing does not end the session; markEnded does, for everyone, also after reopening', async () => {
    const a = await open1();
    const b = await open1();
    await a.append(queryEvent(0));
    await a.close();
    await b.append(queryEvent(1));
    const c = await open1();
    await c.markEnded();
    await expect(b.append(queryEvent(2))).rejects.toBeInstanceOf(RecordingEndedError);
    await b.close();
    await expect(open1()).rejects.toBeInstanceOf(RecordingEndedError);
    const names = await readdir(fixture.dir);
    expect(names.some((name) => name.endsWith('.ended'))).toBe(true);
    expect((await decryptRecordingFile(a.path, fixture.key)).events).toHaveLength(2);
  });

  it('reads from an index, with limits and a cursor', async () => {
    const recording = await open1();
    for (let i = 0; i < 10; i++) await recording.append(queryEvent(i));
    await recording.close();
    const first = await readRecordingEvents(recording.path, fixture.key, {
      startIndex: 3,
      maxEvents: 4,
    });
    expect(first.events.map((item) => item.index)).toEqual([3, 4, 5, 6]);
    expect(first.more).toBe(true);
    const rest = await readRecordingEvents(recording.path, fixture.key, {
      startIndex: first.nextIndex,
      cursor: { index: first.nextIndex, byteOffset: first.nextByteOffset },
    });
    expect(rest.events.map((item) => item.event)).toEqual([7, 8, 9].map((i) => queryEvent(i)));
    expect(rest.more).toBe(false);
    const beyond = await readRecordingEvents(recording.path, fixture.key, { startIndex: 12 });
    expect(beyond).toMatchObject({ events: [], nextIndex: 10 });
  });

  it('file names: built and parsed, legacy names without a type, unsafe IDs refused', () => {
    const name = recordingFileName({
      sessionId: 'ab-12',
      resourceType: 'postgres',
      expiresAt: new Date(5_000),
    });
    expect(name).toBe('pam_session_ab-12_postgres_expires_5.enc');
    expect(parseRecordingFileName(name)).toEqual({
      sessionId: 'ab-12',
      resourceType: 'postgres',
      expiresAt: new Date(5_000),
    });
    expect(parseRecordingFileName('pam_session_ab-12_expires_5.enc')).toMatchObject({
      sessionId: 'ab-12',
      resourceType: undefined,
    });
    expect(parseRecordingFileName('pam_session_ab-12_postgres_expires_5.offset')).toBeUndefined();
    expect(() =>
      recordingFileName({ sessionId: '../x', resourceType: 'postgres', expiresAt: new Date() }),
    ).toThrow(TypeError);
  });
});
