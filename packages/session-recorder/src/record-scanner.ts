import type { FileHandle } from 'node:fs/promises';
import {
  MAX_RECORD_BODY_BYTES,
  MIN_RECORD_BODY_BYTES,
  RECORD_LENGTH_BYTES,
} from './recording-format.ts';
import { RecordingFormatError } from './recording-errors.ts';

/** One complete record found in a file. `body` is empty when bodies were not asked for. */
export interface ScannedRecord {
  index: number;
  /** Offset of the record's length prefix. */
  byteOffset: number;
  body: Buffer;
}

/** What a scan found. */
export interface ScanResult {
  records: ScannedRecord[];
  /** Index of the record after the last one scanned (= count of complete records so far). */
  nextIndex: number;
  /** Byte offset after the last complete record scanned. */
  nextByteOffset: number;
  /**
   * Bytes after the last complete record that do not form a record: a write torn by a crash,
   * a zero-filled tail after a power loss, or a record still being written. Undefined when the
   * scan stopped at a record boundary.
   */
  tornTail: { byteOffset: number; bytes: number } | undefined;
  /** True when the scan stopped because of maxRecords / maxBodyBytes, not at the end. */
  limited: boolean;
}

/** Where to start and how much to return. */
export interface ScanOptions {
  /** Byte offset of a record boundary to start at, with the index of that record. */
  start?: { byteOffset: number; index: number };
  /** Records with a smaller index are walked over without reading their bodies. */
  firstBodyIndex?: number;
  /** Read bodies at all (false: only count records, e.g. when opening for append). */
  readBodies?: boolean;
  /** Stop after this many records with bodies. */
  maxRecords?: number;
  /** Stop before the body bytes returned would exceed this (at least one record is returned). */
  maxBodyBytes?: number;
}

/**
 * Walks the length prefixes of a recording file from a record boundary up to the file's size at
 * the time of the call. Never decrypts. Throws RecordingFormatError for an impossible length in
 * the middle of the file; an incomplete or zero-filled tail is reported as `tornTail`.
 */
export async function scanRecords(
  handle: FileHandle,
  options: ScanOptions = {},
): Promise<ScanResult> {
  const size = (await handle.stat()).size;
  const readBodies = options.readBodies ?? true;
  const firstBodyIndex = options.firstBodyIndex ?? 0;
  const maxRecords = options.maxRecords ?? Number.POSITIVE_INFINITY;
  const maxBodyBytes = options.maxBodyBytes ?? Number.POSITIVE_INFINITY;
  const records: ScannedRecord[] = [];
  let bodyBytes = 0;
  let index = options.start?.index ?? 0;
  let position = options.start?.byteOffset ?? 0;
  const header = Buffer.alloc(RECORD_LENGTH_BYTES);

  const result = (tornTail: ScanResult['tornTail'], limited: boolean): ScanResult => ({
    records,
    nextIndex: index,
    nextByteOffset: position,
    tornTail,
    limited,
  });
  const torn = () => result({ byteOffset: position, bytes: size - position }, false);

  while (position < size) {
    if (size - position < RECORD_LENGTH_BYTES) return torn();
    await readExactly(handle, header, position);
    const length = header.readUInt32BE(0);
    if (length < MIN_RECORD_BODY_BYTES || length > MAX_RECORD_BODY_BYTES) {
      if (await isZeroFilled(handle, position, size)) return torn();
      throw new RecordingFormatError(
        `record ${index} at byte ${position} has an impossible length ${length}`,
        position,
        index,
      );
    }
    const end = position + RECORD_LENGTH_BYTES + length;
    if (end > size) return torn();
    const wanted = readBodies && index >= firstBodyIndex;
    if (wanted && records.length > 0 && bodyBytes + length > maxBodyBytes) {
      return result(undefined, true);
    }
    let body = EMPTY;
    if (wanted || end === size) {
      body = Buffer.alloc(length);
      await readExactly(handle, body, position + RECORD_LENGTH_BYTES);
      // The last record all zeros (length included is impossible, so body only): a power loss
      // after the file grew but before the data reached the disk. Not a record.
      if (end === size && body.every((byte) => byte === 0)) return torn();
      if (!wanted) body = EMPTY;
    }
    if (wanted) {
      records.push({ index, byteOffset: position, body });
      bodyBytes += length;
    }
    index += 1;
    position = end;
    if (records.length >= maxRecords && position < size) return result(undefined, true);
  }
  return result(undefined, false);
}

const EMPTY = Buffer.alloc(0);

/** Reads buffer.length bytes at position (the caller checked the file is long enough). */
async function readExactly(handle: FileHandle, buffer: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buffer.length) {
    const { bytesRead } = await handle.read(buffer, done, buffer.length - done, position + done);
    if (bytesRead === 0) {
      throw new RecordingFormatError(`file ended while reading byte ${position + done}`, position);
    }
    done += bytesRead;
  }
}

/** True when every byte in [from, to) is zero. */
async function isZeroFilled(handle: FileHandle, from: number, to: number): Promise<boolean> {
  const chunk = Buffer.alloc(Math.min(64 * 1024, Math.max(1, to - from)));
  for (let position = from; position < to; position += chunk.length) {
    const length = Math.min(chunk.length, to - position);
    const view = chunk.subarray(0, length);
    await readExactly(handle, view, position);
    if (!view.every((byte) => byte === 0)) return false;
  }
  return true;
}
