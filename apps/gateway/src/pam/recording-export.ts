/**
 * Decrypts one local recording file and writes its events for `burrow-gateway recordings export`:
 * JSON lines (one event per line, as the control plane stores them), a text replay for people,
 * or — for terminal (SSH) sessions — asciicast v2 for `asciinema play` and a text command log
 * (@burrow/session-recorder terminal-recording-export.ts). jsonl and text read in batches with
 * the recorder's cursor, so a large file is never held in memory; asciicast and commands need the
 * whole session (the cast's header comes from its first terminal). The torn tail is reported
 * from the same pass.
 */
import path from 'node:path';
import type { Writable } from 'node:stream';
import {
  eventsToAsciicast,
  eventsToCommandLog,
  eventsToJsonLines,
  formatRecordedEvent,
  readRecordingEvents,
} from '@burrow/session-recorder';

export const RECORDING_EXPORT_FORMATS = ['jsonl', 'text', 'asciicast', 'commands'] as const;
export type RecordingExportFormat = (typeof RECORDING_EXPORT_FORMATS)[number];

/** Events per decrypted batch. */
const BATCH_EVENTS = 1000;

export interface RecordingExportResult {
  /** Events written. */
  events: number;
  /** Bytes at the end that are not a complete record (not exported). */
  truncatedTail: { byteOffset: number; bytes: number } | undefined;
  /** 2: records bound and chained; 1: the unbound legacy format; undefined: no record. */
  format: 1 | 2 | undefined;
  /** The recording ends with its seal (format 2): nothing was cut off its end. */
  sealed: boolean;
}

/**
 * Writes every event of `file` to `output`. Throws RecordingIntegrityError when a record fails
 * authentication (the file was changed, or the key is not the one it was written with) and
 * RecordingFormatError for a malformed file; events before the bad record are already written.
 *
 * @example
 *   const { events, truncatedTail } = await exportRecording(file, key, 'jsonl', process.stdout);
 */
export async function exportRecording(
  file: string,
  key: Uint8Array,
  format: RecordingExportFormat,
  output: Writable,
): Promise<RecordingExportResult> {
  let cursor = { index: 0, byteOffset: 0 };
  const whole: unknown[] = [];
  const wholeSession = format === 'asciicast' || format === 'commands';
  for (;;) {
    const read = await readRecordingEvents(file, key, {
      startIndex: cursor.index,
      cursor,
      maxEvents: BATCH_EVENTS,
    });
    if (wholeSession) whole.push(...read.events.map((item) => item.event));
    const text = wholeSession
      ? ''
      : format === 'jsonl'
        ? eventsToJsonLines(read.events.map((item) => item.event))
        : read.events
            .map((item) => formatRecordedEvent(item.event, item.index + 1) + '\n')
            .join('');
    if (text !== '' && !output.write(text)) {
      await new Promise<void>((resolve) => output.once('drain', resolve));
    }
    if (!read.more) {
      if (wholeSession) {
        const exported =
          format === 'asciicast'
            ? eventsToAsciicast(whole, { title: path.basename(file) })
            : eventsToCommandLog(whole);
        if (!output.write(exported)) {
          await new Promise<void>((resolve) => output.once('drain', resolve));
        }
      }
      return {
        events: read.nextIndex,
        truncatedTail: read.truncatedTail,
        format: read.format,
        sealed: read.sealed,
      };
    }
    cursor = { index: read.nextIndex, byteOffset: read.nextByteOffset };
  }
}
