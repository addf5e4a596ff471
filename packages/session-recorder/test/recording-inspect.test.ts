import { describe, expect, it } from '@jest/globals';
import { copyFile, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { inspectRecordingFile, openSessionRecording } from '../src/index.ts';
import { inAnHour, queryEvent, recordingFixture } from './support/recording-fixtures.ts';

describe('inspectRecordingFile', () => {
  it('counts complete records and reports a torn tail, without the key', async () => {
    const { dir, key, sessionId, cleanup } = await recordingFixture();
    try {
      const expiresAt = inAnHour();
      const recording = await openSessionRecording({
        dir,
        sessionId,
        resourceType: 'postgres',
        expiresAt,
        key,
      });
      for (let i = 0; i < 3; i += 1) await recording.append(queryEvent(i));
      await recording.close();
      const size = (await stat(recording.path)).size;
      await copyFile(recording.path, `${recording.path}.copy`);
      await (
        await openSessionRecording({ dir, sessionId, resourceType: 'postgres', expiresAt, key })
      ).markEnded();
      // The seal is a record, not an event.
      expect(await inspectRecordingFile(recording.path)).toMatchObject({ records: 4, events: 3 });
      await rm(`${recording.path.replace(/\.enc$/, '')}.ended`);
      await rename(`${recording.path}.copy`, recording.path);
      expect(await inspectRecordingFile(recording.path)).toEqual({
        records: 3,
        events: 3,
        bytes: size,
        truncatedTail: undefined,
      });

      const full = await readFile(recording.path);
      await writeFile(recording.path, full.subarray(0, size - 5));
      const third = size - (4 + full.readUInt32BE(0));
      expect(await inspectRecordingFile(recording.path)).toEqual({
        records: 2,
        events: 2,
        bytes: size - 5,
        truncatedTail: { byteOffset: third, bytes: size - 5 - third },
      });
    } finally {
      await cleanup();
    }
  });
});
