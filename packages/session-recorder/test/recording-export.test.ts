import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import {
  eventsToJsonLines,
  exportRecordingJsonLines,
  openSessionRecording,
  replayRecording,
} from '../src/index.ts';
import { inAnHour, queryEvent, recordingFixture } from './support/recording-fixtures.ts';

describe('export and replay', () => {
  it('JSON lines: one event per line, in order, across internal batches', async () => {
    const { dir, key, sessionId, cleanup } = await recordingFixture();
    try {
      const recording = await openSessionRecording({
        dir,
        sessionId,
        resourceType: 'postgres',
        expiresAt: inAnHour(),
        key,
      });
      const events = Array.from({ length: 1205 }, (_, i) => queryEvent(i, `SELECT '${i}\n'`));
      for (const event of events) await recording.append(event);
      await recording.close();

      const out = new PassThrough();
      let text = '';
      out.on('data', (chunk: Buffer) => (text += chunk.toString()));
      expect(await exportRecordingJsonLines(recording.path, key, out)).toBe(1205);
      expect(text).toBe(eventsToJsonLines(events));
      expect(
        text
          .split('\n')
          .slice(0, -1)
          .map((line) => JSON.parse(line)),
      ).toEqual(events);

      const replayed: Array<[number, unknown]> = [];
      await replayRecording(recording.path, key, (event, index) => {
        replayed.push([index, event]);
      });
      expect(replayed).toEqual(events.map((event, index) => [index, event]));
    } finally {
      await cleanup();
    }
  });
});
