/**
 * Format 2 (recording-format.ts): records bound to their session, position and predecessor, and
 * sealed at the end. Each test edits a real recording file as an attacker with write access to
 * the recording directory (but not the key) would, and expects the first bad record named.
 */
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  RecordingEndedError,
  RecordingIntegrityError,
  decryptRecordingFile,
  openSessionRecording,
  readRecordingEvents,
  recordingFileName,
  sealRecord,
} from '../src/index.ts';
import { inAnHour, queryEvent, recordingFixture } from './support/recording-fixtures.ts';

/** The records of a file as separate buffers (length prefix included). */
function splitRecords(file: Buffer): Buffer[] {
  const records: Buffer[] = [];
  for (let offset = 0; offset < file.length;) {
    const end = offset + 4 + file.readUInt32BE(offset);
    records.push(file.subarray(offset, end));
    offset = end;
  }
  return records;
}

async function integrityError(file: string, key: Buffer): Promise<RecordingIntegrityError> {
  const error: unknown = await decryptRecordingFile(file, key).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RecordingIntegrityError);
  return error as RecordingIntegrityError;
}

describe('tamper evidence (format 2)', () => {
  let fixture: Awaited<ReturnType<typeof recordingFixture>>;
  let file: string;
  let records: Buffer[];
  const events = Array.from({ length: 6 }, (_, i) => queryEvent(i));

  /** A recording of `events` in session `sessionId`, sealed unless told otherwise. */
  async function record(sessionId: string, seal = true): Promise<string> {
    const recording = await openSessionRecording({
      dir: fixture.dir,
      sessionId,
      resourceType: 'postgres',
      expiresAt: inAnHour(),
      key: fixture.key,
    });
    for (const event of events) await recording.append(event);
    if (seal) await recording.markEnded();
    else await recording.close();
    return recording.path;
  }

  beforeEach(async () => {
    fixture = await recordingFixture();
    file = await record(fixture.sessionId);
    records = splitRecords(await readFile(file));
  });
  afterEach(() => fixture.cleanup());

  it('an untouched recording verifies, ends with its seal, and is read in batches too', async () => {
    expect(records).toHaveLength(events.length + 1);
    expect(await decryptRecordingFile(file, fixture.key)).toEqual({
      events,
      truncatedTail: undefined,
      format: 2,
      sealed: true,
    });
    const first = await readRecordingEvents(file, fixture.key, { maxEvents: 4 });
    const rest = await readRecordingEvents(file, fixture.key, {
      startIndex: first.nextIndex,
      cursor: { index: first.nextIndex, byteOffset: first.nextByteOffset },
    });
    expect([...first.events, ...rest.events].map((item) => item.event)).toEqual(events);
    expect(rest.sealed).toBe(true);
    expect(rest.nextIndex).toBe(events.length);
  });

  it('a deleted record: the record now in its place is named', async () => {
    await writeFile(file, Buffer.concat(records.filter((_, i) => i !== 2)));
    const error = await integrityError(file, fixture.key);
    expect(error.recordIndex).toBe(2);
    expect(error.message).toMatch(/record 2 .*does not follow record 1/);
  });

  it('two records swapped: the first of them is named', async () => {
    const swapped = [...records];
    [swapped[3], swapped[4]] = [swapped[4] as Buffer, swapped[3] as Buffer];
    await writeFile(file, Buffer.concat(swapped));
    expect((await integrityError(file, fixture.key)).recordIndex).toBe(3);
  });

  it('a record repeated: the copy is named', async () => {
    await writeFile(
      file,
      Buffer.concat([...records.slice(0, 3), records[2] as Buffer, ...records.slice(3)]),
    );
    expect((await integrityError(file, fixture.key)).recordIndex).toBe(3);
  });

  it('a record spliced in from another session (same gateway key, same position) is named', async () => {
    const other = splitRecords(await readFile(await record(randomUUID())));
    const spliced = [...records];
    spliced[1] = other[1] as Buffer;
    await writeFile(file, Buffer.concat(spliced));
    expect((await integrityError(file, fixture.key)).recordIndex).toBe(1);
  });

  it('a whole file of another session renamed to this one fails at record 0', async () => {
    const otherPath = await record(randomUUID());
    await writeFile(file, await readFile(otherPath));
    const error = await integrityError(file, fixture.key);
    expect(error.recordIndex).toBe(0);
    expect(error.message).toContain(`not the first record of session ${fixture.sessionId}`);
  });

  it('truncated at a record boundary: verifies up to there but is not sealed', async () => {
    await writeFile(file, Buffer.concat(records.slice(0, 4)));
    const read = await decryptRecordingFile(file, fixture.key);
    expect(read.events).toEqual(events.slice(0, 4));
    expect(read.sealed).toBe(false);
  });

  it('records appended after the seal are named', async () => {
    const extra = sealRecord(fixture.key, queryEvent(99));
    await writeFile(file, Buffer.concat([...records, extra]));
    const error = await integrityError(file, fixture.key);
    expect(error.recordIndex).toBe(events.length + 1);
    expect(error.message).toContain('follows the seal');
  });

  it('a sealed recording cannot be reopened for appending, even without its .ended marker', async () => {
    const copyDir = path.join(fixture.dir, 'copy');
    const sessionId = randomUUID();
    const unsealed = await record(sessionId, false);
    const recording = await openSessionRecording({
      dir: fixture.dir,
      sessionId,
      resourceType: 'postgres',
      expiresAt: new Date(Number(/_expires_(\d+)/.exec(unsealed)?.[1]) * 1000),
      key: fixture.key,
    });
    await recording.markEnded();
    const sealedBytes = await readFile(unsealed);
    const expiresAt = inAnHour();
    const name = recordingFileName({ sessionId, resourceType: 'postgres', expiresAt });
    await (await import('node:fs/promises')).mkdir(copyDir);
    await writeFile(path.join(copyDir, name), sealedBytes);
    await expect(
      openSessionRecording({
        dir: copyDir,
        sessionId,
        resourceType: 'postgres',
        expiresAt,
        key: fixture.key,
      }),
    ).rejects.toBeInstanceOf(RecordingEndedError);
  });
});

describe('format 1 (unbound records, written before issue 14 and by the reference)', () => {
  it('is still read, appended to in format 1, and reported as format 1', async () => {
    const fixture = await recordingFixture();
    try {
      const expiresAt = inAnHour();
      const name = recordingFileName({
        sessionId: fixture.sessionId,
        resourceType: 'postgres',
        expiresAt,
      });
      const file = path.join(fixture.dir, name);
      await writeFile(
        file,
        Buffer.concat([
          sealRecord(fixture.key, queryEvent(0)),
          sealRecord(fixture.key, queryEvent(1)),
        ]),
      );
      const recording = await openSessionRecording({
        dir: fixture.dir,
        sessionId: fixture.sessionId,
        resourceType: 'postgres',
        expiresAt,
        key: fixture.key,
      });
      expect(await recording.append(queryEvent(2))).toBe(2);
      await recording.markEnded();
      expect(await decryptRecordingFile(file, fixture.key)).toEqual({
        events: [queryEvent(0), queryEvent(1), queryEvent(2)],
        truncatedTail: undefined,
        format: 1,
        sealed: false,
      });
    } finally {
      await fixture.cleanup();
    }
  });
});
