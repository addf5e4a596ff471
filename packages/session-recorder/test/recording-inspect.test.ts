import { describe, expect, it } from '@jest/globals';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { inspectRecordingFile, openSessionRecording } from '../src/index.ts';
import { inAnHour, queryEvent, recordingFixture } from './support/recording-fixtures.ts';

describe('inspectRecordingFile', () => {
  it('counts complete records and reports a torn tail, without the key', async () => {
    const { dir, key, sessionId, cleanup } = await recordingFixture();
    try {
      const recording = await openSessionRecording({
        dir,
        sessionId,
        resourceType: 'postgres',
        expiresAt: inAnHour(),
        key,
      });
      for (let i = 0; i < 3; i += 1) await recording.append(queryEvent(i));
      await recording.close();
      const size = (await stat(recording.path)).size;
      expect(await inspectRecordingFile(recording.path)).toEqual({
        records: 3,
        bytes: size,
        truncatedTail: undefined,
      });

      const full = await readFile(recording.path);
      await writeFile(recording.path, full.subarray(0, size - 5));
      const third = size - (4 + full.readUInt32BE(0));
      expect(await inspectRecordingFile(recording.path)).toEqual({
        records: 2,
        bytes: size - 5,
        truncatedTail: { byteOffset: third, bytes: size - 5 - third },
      });
    } finally {
      await cleanup();
    }
  });
});
