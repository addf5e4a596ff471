import { open } from 'node:fs/promises';
import { openRecord } from './record-cipher.ts';
import { scanRecords } from './record-scanner.ts';
import { assertRecordingKey } from './recording-key.ts';

/** A decrypted event with its index in the session's event sequence. */
export interface IndexedEvent {
  index: number;
  event: unknown;
}

/** Events read from a recording file. */
export interface RecordingEvents {
  events: IndexedEvent[];
  /**
   * Index of the first event not returned: startIndex + events.length, or the number of complete
   * records when the file holds fewer than startIndex.
   */
  nextIndex: number;
  /** Byte offset of that event: pass back as `cursor` to continue without rescanning. */
  nextByteOffset: number;
  /** Complete records after nextIndex that were not returned because of the limits. */
  more: boolean;
  /** Bytes at the end that are not a complete record (torn by a crash, or being written). */
  truncatedTail: { byteOffset: number; bytes: number } | undefined;
}

/** Which events to read. */
export interface ReadRecordingOptions {
  /** Index of the first event to return (default 0). */
  startIndex?: number;
  /**
   * A position returned earlier ({nextIndex, nextByteOffset}) at or before startIndex, so a
   * large file is not walked from the start every time.
   */
  cursor?: { index: number; byteOffset: number };
  /** At most this many events (default: all). */
  maxEvents?: number;
  /** At most about this many encrypted bytes (default: all; at least one event is returned). */
  maxBytes?: number;
}

/**
 * Reads and decrypts events from a recording file, from an event index on. A torn last record
 * (crash mid-append) is reported in `truncatedTail` and otherwise ignored; a record that fails
 * authentication throws RecordingIntegrityError, a malformed one RecordingFormatError.
 *
 * @example
 *   const { events, nextIndex } = await readRecordingEvents(file, key, { startIndex: acked });
 */
export async function readRecordingEvents(
  filePath: string,
  key: Uint8Array,
  options: ReadRecordingOptions = {},
): Promise<RecordingEvents> {
  const aesKey = assertRecordingKey(key);
  const startIndex = options.startIndex ?? 0;
  const cursor =
    options.cursor && options.cursor.index <= startIndex
      ? { index: options.cursor.index, byteOffset: options.cursor.byteOffset }
      : undefined;
  const handle = await open(filePath, 'r');
  try {
    const scan = await scanRecords(handle, {
      ...(cursor ? { start: cursor } : {}),
      firstBodyIndex: startIndex,
      ...(options.maxEvents !== undefined ? { maxRecords: options.maxEvents } : {}),
      ...(options.maxBytes !== undefined ? { maxBodyBytes: options.maxBytes } : {}),
    });
    const events = scan.records.map((record) => ({
      index: record.index,
      event: openRecord(aesKey, record.body, record.index, record.byteOffset),
    }));
    return {
      events,
      nextIndex: scan.nextIndex,
      nextByteOffset: scan.nextByteOffset,
      more: scan.limited,
      truncatedTail: scan.tornTail,
    };
  } finally {
    await handle.close();
  }
}

/** Every event of a recording file. */
export interface DecryptedRecording {
  events: unknown[];
  truncatedTail: { byteOffset: number; bytes: number } | undefined;
}

/**
 * Decrypts a whole recording file (replay, export, the CLI's and the control plane's tools).
 *
 * @example
 *   const { events } = await decryptRecordingFile('/var/lib/infisical/session_recordings/pam_session_….enc', key);
 */
export async function decryptRecordingFile(
  filePath: string,
  key: Uint8Array,
): Promise<DecryptedRecording> {
  const read = await readRecordingEvents(filePath, key);
  return { events: read.events.map((item) => item.event), truncatedTail: read.truncatedTail };
}
