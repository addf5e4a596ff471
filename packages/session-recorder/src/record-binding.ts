import {
  RECORD_AAD_PREFIX,
  RECORD_KIND,
  RECORD_TAG_BYTES,
  RECORDING_FORMAT_VERSION,
  type RecordKind,
} from './recording-format.ts';

/**
 * Where a format-2 record belongs (recording-format.ts): its session, its position and the tag
 * of the record before it. The AAD made from it is what binds the record there.
 */
export interface RecordBinding {
  sessionId: string;
  index: number;
  /** GCM tag of record index-1; {@link FIRST_PREVIOUS_TAG} for record 0. */
  previousTag: Buffer;
  kind: RecordKind;
}

/** The previousTag of record 0. */
export const FIRST_PREVIOUS_TAG = Buffer.alloc(RECORD_TAG_BYTES);

/** The AAD of a format-2 record (layout in recording-format.ts). */
export function recordAad(binding: RecordBinding): Buffer {
  const sessionId = Buffer.from(binding.sessionId, 'utf8');
  if (sessionId.length > 0xffff) throw new RangeError('session ID too long');
  if (!Number.isSafeInteger(binding.index) || binding.index < 0) {
    throw new RangeError('bad record index');
  }
  if (binding.previousTag.length !== RECORD_TAG_BYTES) throw new RangeError('bad previous tag');
  const fixed = Buffer.alloc(1 + 1 + 1 + 2);
  fixed.writeUInt8(0, 0);
  fixed.writeUInt8(RECORDING_FORMAT_VERSION, 1);
  fixed.writeUInt8(RECORD_KIND[binding.kind], 2);
  fixed.writeUInt16BE(sessionId.length, 3);
  const index = Buffer.alloc(8);
  index.writeBigUInt64BE(BigInt(binding.index));
  return Buffer.concat([
    Buffer.from(RECORD_AAD_PREFIX, 'ascii'),
    fixed,
    sessionId,
    index,
    binding.previousTag,
  ]);
}

/** The GCM tag of a record body (its last 16 bytes): the next record's previousTag. */
export function recordTag(body: Buffer): Buffer {
  return Buffer.from(body.subarray(body.length - RECORD_TAG_BYTES));
}
