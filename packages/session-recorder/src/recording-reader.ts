import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { FIRST_PREVIOUS_TAG, recordTag, type RecordBinding } from './record-binding.ts';
import { tryOpenRecord } from './record-cipher.ts';
import { scanRecords, type ScannedRecord } from './record-scanner.ts';
import { parseRecordingFileName } from './recording-file-name.ts';
import { RecordingFormatError, RecordingIntegrityError } from './recording-errors.ts';
import { RECORD_TAG_BYTES, type RecordingFormatVersion } from './recording-format.ts';
import { assertRecordingKey } from './recording-key.ts';

/** A decrypted event with its index in the session's event sequence. */
export interface IndexedEvent {
  index: number;
  event: unknown;
  /** Where its record starts in the file. */
  byteOffset: number;
}

/** Events read from a recording file. */
export interface RecordingEvents {
  events: IndexedEvent[];
  /**
   * Index of the first event not returned: startIndex + events.length, or the number of events
   * when the file holds fewer than startIndex (the seal is not an event and not counted).
   */
  nextIndex: number;
  /** Byte offset of that event: pass back as `cursor` to continue without rescanning. */
  nextByteOffset: number;
  /** Complete records after nextIndex that were not returned because of the limits. */
  more: boolean;
  /** Bytes at the end that are not a complete record (torn by a crash, or being written). */
  truncatedTail: { byteOffset: number; bytes: number } | undefined;
  /** 2: bound and chained records; 1: the unbound legacy format; undefined: empty file. */
  format: RecordingFormatVersion | undefined;
  /** The seal was read: the recording is complete and ends here (format 2 only). */
  sealed: boolean;
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
  /** The session the records are bound to (default: the one the file name names). */
  sessionId?: string;
}

/**
 * Reads, decrypts and verifies events from a recording file, from an event index on. Format 2
 * records are checked against their session, position and predecessor (recording-format.ts);
 * the first one out of place throws RecordingIntegrityError naming it, a malformed one
 * RecordingFormatError. A torn last record (crash mid-append) is reported in `truncatedTail`
 * and otherwise ignored.
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
  const sessionId = options.sessionId ?? sessionOfFile(filePath);
  const startIndex = options.startIndex ?? 0;
  const cursor =
    options.cursor && options.cursor.index <= startIndex
      ? { index: options.cursor.index, byteOffset: options.cursor.byteOffset }
      : undefined;
  const handle = await open(filePath, 'r');
  try {
    const format = await detectRecordingFormat(handle, aesKey, sessionId);
    const scan = await scanRecords(handle, {
      ...(cursor ? { start: cursor } : {}),
      firstBodyIndex: startIndex,
      ...(options.maxEvents !== undefined ? { maxRecords: options.maxEvents } : {}),
      ...(options.maxBytes !== undefined ? { maxBodyBytes: options.maxBytes } : {}),
    });
    const events: IndexedEvent[] = [];
    let previousTag: Buffer | undefined;
    for (const record of scan.records) {
      previousTag ??= await tagBefore(handle, record);
      const opened = openInPlace(aesKey, record, format, sessionId, previousTag);
      if (opened.kind === 'seal') {
        if (scan.nextIndex > record.index + 1 || scan.limited) {
          throw new RecordingIntegrityError(
            record.index + 1,
            record.byteOffset + 4 + record.body.length,
            'a record follows the seal that ended the recording (records were appended or spliced in after its end)',
          );
        }
        return {
          events,
          nextIndex: record.index,
          nextByteOffset: record.byteOffset,
          more: false,
          truncatedTail: scan.tornTail,
          format,
          sealed: true,
        };
      }
      events.push({ index: record.index, event: opened.event, byteOffset: record.byteOffset });
      previousTag = recordTag(record.body);
    }
    return {
      events,
      nextIndex: scan.nextIndex,
      nextByteOffset: scan.nextByteOffset,
      more: scan.limited,
      truncatedTail: scan.tornTail,
      format,
      sealed: false,
    };
  } finally {
    await handle.close();
  }
}

/** Every event of a recording file, with what its verification found. */
export interface DecryptedRecording {
  events: unknown[];
  truncatedTail: { byteOffset: number; bytes: number } | undefined;
  format: RecordingFormatVersion | undefined;
  sealed: boolean;
}

/**
 * Decrypts and verifies a whole recording file (replay, export, the CLI's and the control
 * plane's tools).
 *
 * @example
 *   const { events, sealed } = await decryptRecordingFile('/var/lib/infisical/session_recordings/pam_session_….enc', key);
 */
export async function decryptRecordingFile(
  filePath: string,
  key: Uint8Array,
  options: { sessionId?: string } = {},
): Promise<DecryptedRecording> {
  const read = await readRecordingEvents(filePath, key, options);
  return {
    events: read.events.map((item) => item.event),
    truncatedTail: read.truncatedTail,
    format: read.format,
    sealed: read.sealed,
  };
}

/**
 * The format of an open recording file, from its record 0 (recording-format.ts): 2 when it
 * opens bound to this session as record 0, 1 when it opens without AAD, undefined when the file
 * holds no complete record. Throws RecordingIntegrityError for record 0 when neither works.
 */
export async function detectRecordingFormat(
  handle: FileHandle,
  key: Buffer,
  sessionId: string,
): Promise<RecordingFormatVersion | undefined> {
  const first = await scanRecords(handle, { maxRecords: 1 });
  const record = first.records[0];
  if (!record) return undefined;
  const binding = { sessionId, index: 0, previousTag: FIRST_PREVIOUS_TAG };
  if (tryOpenRecord(key, record.body, 0, 0, { ...binding, kind: 'event' })) return 2;
  if (tryOpenRecord(key, record.body, 0, 0, { ...binding, kind: 'seal' })) return 2;
  if (tryOpenRecord(key, record.body, 0, 0)) return 1;
  throw new RecordingIntegrityError(
    0,
    0,
    `it is not the first record of session ${sessionId} (the file was modified or renamed, ` +
      'comes from another session, or the key is wrong)',
  );
}

/** The session a recording file name names; readers bind records to it. */
function sessionOfFile(filePath: string): string {
  const info = parseRecordingFileName(filePath);
  if (!info) {
    throw new RecordingFormatError(
      `${filePath} is not named pam_session_<sessionId>_…_expires_<unix>.enc: cannot tell which session its records belong to`,
      -1,
    );
  }
  return info.sessionId;
}

/** The tag of the record before `record`: the 16 bytes before it in the file. */
async function tagBefore(handle: FileHandle, record: ScannedRecord): Promise<Buffer> {
  if (record.index === 0) return FIRST_PREVIOUS_TAG;
  const tag = Buffer.alloc(RECORD_TAG_BYTES);
  const { bytesRead } = await handle.read(tag, 0, tag.length, record.byteOffset - tag.length);
  if (bytesRead !== tag.length) {
    throw new RecordingFormatError(
      `cannot read the record before ${record.index}`,
      record.byteOffset,
    );
  }
  return tag;
}

type OpenedRecord = { kind: 'event'; event: unknown } | { kind: 'seal' };

/** Opens a record where it is, or throws RecordingIntegrityError naming it. */
function openInPlace(
  key: Buffer,
  record: ScannedRecord,
  format: RecordingFormatVersion | undefined,
  sessionId: string,
  previousTag: Buffer,
): OpenedRecord {
  const { index, byteOffset, body } = record;
  if (format === 1) {
    const opened = tryOpenRecord(key, body, index, byteOffset);
    if (!opened) throw new RecordingIntegrityError(index, byteOffset);
    return { kind: 'event', event: opened.event };
  }
  const binding: Omit<RecordBinding, 'kind'> = { sessionId, index, previousTag };
  const event = tryOpenRecord(key, body, index, byteOffset, { ...binding, kind: 'event' });
  if (event) return { kind: 'event', event: event.event };
  const seal = tryOpenRecord(key, body, index, byteOffset, { ...binding, kind: 'seal' });
  if (seal) {
    const declared = (seal.event as { events?: unknown } | null)?.events;
    if (declared !== index) {
      throw new RecordingIntegrityError(
        index,
        byteOffset,
        `the seal says the recording holds ${String(declared)} events, but it is record ${index}`,
      );
    }
    return { kind: 'seal' };
  }
  if (tryOpenRecord(key, body, index, byteOffset)) {
    throw new RecordingIntegrityError(
      index,
      byteOffset,
      'it is an unbound (format 1) record inside a format-2 recording: it was spliced in',
    );
  }
  throw new RecordingIntegrityError(
    index,
    byteOffset,
    `it does not follow record ${index - 1} of session ${sessionId}: records before it were ` +
      'removed or reordered, it was changed, or it comes from another recording',
  );
}
