import type { Writable } from 'node:stream';
import { readRecordingEvents } from './recording-reader.ts';

/**
 * JSON-lines export of recorded events: one event per line, in order, each line a complete JSON
 * value — what `burrow pam sessions show --json`-style tools and log shippers want.
 *
 * @example
 *   process.stdout.write(eventsToJsonLines(session.events));
 */
export function eventsToJsonLines(events: readonly unknown[]): string {
  return events.map((event) => JSON.stringify(event) + '\n').join('');
}

/**
 * Decrypts a recording file and writes its events as JSON lines, in batches so that a large
 * file is never held in memory at once. Resolves with the number of events written.
 *
 * @example
 *   await exportRecordingJsonLines(file, key, fs.createWriteStream('session.jsonl'));
 */
export async function exportRecordingJsonLines(
  filePath: string,
  key: Uint8Array,
  output: Writable,
): Promise<number> {
  let cursor: { index: number; byteOffset: number } = { index: 0, byteOffset: 0 };
  let count = 0;
  for (;;) {
    const read = await readRecordingEvents(filePath, key, {
      startIndex: cursor.index,
      cursor,
      maxEvents: 1000,
    });
    const text = eventsToJsonLines(read.events.map((item) => item.event));
    if (text && !output.write(text)) {
      await new Promise<void>((resolve) => output.once('drain', resolve));
    }
    count += read.events.length;
    if (!read.more) return count;
    cursor = { index: read.nextIndex, byteOffset: read.nextByteOffset };
  }
}

/**
 * Replays a recording: calls `onEvent` for every event in order (e.g. to print each query as
 * it happened).
 *
 * @example
 *   await replayRecording(file, key, (event, index) => console.log(index, event));
 */
export async function replayRecording(
  filePath: string,
  key: Uint8Array,
  onEvent: (event: unknown, index: number) => void | Promise<void>,
): Promise<number> {
  let cursor: { index: number; byteOffset: number } = { index: 0, byteOffset: 0 };
  let count = 0;
  for (;;) {
    const read = await readRecordingEvents(filePath, key, {
      startIndex: cursor.index,
      cursor,
      maxEvents: 1000,
    });
    for (const item of read.events) await onEvent(item.event, item.index);
    count += read.events.length;
    if (!read.more) return count;
    cursor = { index: read.nextIndex, byteOffset: read.nextByteOffset };
  }
}
