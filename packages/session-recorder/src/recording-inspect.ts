import { open } from 'node:fs/promises';
import { scanRecords } from './record-scanner.ts';

/** What a recording file holds, read without the key. */
export interface RecordingFileSummary {
  /** Complete records (= events stored). */
  records: number;
  /** File size in bytes. */
  bytes: number;
  /** Bytes at the end that are not a complete record (torn by a crash, or being written). */
  truncatedTail: { byteOffset: number; bytes: number } | undefined;
}

/**
 * Counts the complete records of a recording file by walking its length prefixes; needs no key
 * and decrypts nothing, so operator tools can list recordings without logging in. Throws
 * RecordingFormatError for an impossible length in the middle of the file.
 *
 * @example
 *   const { records, truncatedTail } = await inspectRecordingFile(file);
 */
export async function inspectRecordingFile(filePath: string): Promise<RecordingFileSummary> {
  const handle = await open(filePath, 'r');
  try {
    const bytes = (await handle.stat()).size;
    const scan = await scanRecords(handle, { readBodies: false });
    return { records: scan.nextIndex, bytes, truncatedTail: scan.tornTail };
  } finally {
    await handle.close();
  }
}
