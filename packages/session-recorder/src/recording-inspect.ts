import { open } from 'node:fs/promises';
import { scanRecords } from './record-scanner.ts';
import { RECORD_NONCE_BYTES, RECORD_TAG_BYTES } from './recording-format.ts';

/** Body size of the seal of a recording of `events` events (recording-format.ts). */
function sealBodyBytes(events: number): number {
  return RECORD_NONCE_BYTES + JSON.stringify({ events }).length + RECORD_TAG_BYTES;
}

/** What a recording file holds, read without the key. */
export interface RecordingFileSummary {
  /** Complete records (events, and the seal when there is one). */
  records: number;
  /**
   * Events: the records, less the last one when it has exactly the size of a seal holding
   * `{"events":<records - 1>}` (no event is that short). A count for operators without the key,
   * not a verification: only the key can tell a seal from a forgery.
   */
  events: number;
  /** File size in bytes. */
  bytes: number;
  /** Bytes at the end that are not a complete record (torn by a crash, or being written). */
  truncatedTail: { byteOffset: number; bytes: number } | undefined;
}

/**
 * Counts the complete records of a recording file by walking its length prefixes; needs no key
 * and decrypts nothing, so operator tools can list recordings without logging in. `from`, a
 * record boundary known from earlier (the upload progress), skips walking the records before it.
 * Throws RecordingFormatError for an impossible length in the middle of the file.
 *
 * @example
 *   const { records, truncatedTail } = await inspectRecordingFile(file);
 */
export async function inspectRecordingFile(
  filePath: string,
  options: { from?: { index: number; byteOffset: number } } = {},
): Promise<RecordingFileSummary> {
  const handle = await open(filePath, 'r');
  try {
    const bytes = (await handle.stat()).size;
    const start = options.from ? { start: options.from } : {};
    const scan = await scanRecords(handle, { ...start, readBodies: false });
    const records = scan.nextIndex;
    let events = records;
    if (records > (options.from?.index ?? 0)) {
      const last = await scanRecords(handle, { ...start, firstBodyIndex: records - 1 });
      const sealBytes = sealBodyBytes(records - 1);
      if (last.records[0]?.body.length === sealBytes) events = records - 1;
    }
    return { records, events, bytes, truncatedTail: scan.tornTail };
  } finally {
    await handle.close();
  }
}
