import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  MAX_RECORD_BODY_BYTES,
  MIN_RECORD_BODY_BYTES,
  RECORD_LENGTH_BYTES,
  RECORD_NONCE_BYTES,
  RECORD_TAG_BYTES,
} from './recording-format.ts';
import { RecordingFormatError, RecordingIntegrityError } from './recording-errors.ts';

/**
 * Encrypts one event into a complete record: `uint32 BE length ‖ nonce ‖ ciphertext ‖ tag`
 * (format in recording-format.ts), ready for a single append.
 *
 * @example
 *   const record = sealRecord(key, { timestamp, input: 'SELECT 1', output: 'SELECT 1' });
 */
export function sealRecord(key: Buffer, event: unknown): Buffer {
  const plaintext = Buffer.from(JSON.stringify(event), 'utf8');
  const nonce = randomBytes(RECORD_NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: RECORD_TAG_BYTES });
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const bodyLength = RECORD_NONCE_BYTES + ciphertext.length + RECORD_TAG_BYTES;
  if (bodyLength > MAX_RECORD_BODY_BYTES) {
    throw new RecordingFormatError(
      `event of ${plaintext.length} bytes exceeds the record limit of ${MAX_RECORD_BODY_BYTES} bytes`,
      -1,
    );
  }
  const header = Buffer.alloc(RECORD_LENGTH_BYTES);
  header.writeUInt32BE(bodyLength);
  return Buffer.concat([header, nonce, ciphertext, cipher.getAuthTag()]);
}

/**
 * Decrypts one record body (without its length prefix) and parses the event JSON.
 * Throws RecordingIntegrityError when authentication fails, RecordingFormatError when the
 * plaintext is not JSON.
 */
export function openRecord(
  key: Buffer,
  body: Buffer,
  recordIndex: number,
  byteOffset: number,
): unknown {
  if (body.length < MIN_RECORD_BODY_BYTES) {
    throw new RecordingFormatError(`record ${recordIndex} is too short`, byteOffset);
  }
  const nonce = body.subarray(0, RECORD_NONCE_BYTES);
  const tag = body.subarray(body.length - RECORD_TAG_BYTES);
  const ciphertext = body.subarray(RECORD_NONCE_BYTES, body.length - RECORD_TAG_BYTES);
  let plaintext: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, {
      authTagLength: RECORD_TAG_BYTES,
    });
    decipher.setAuthTag(tag);
    plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new RecordingIntegrityError(recordIndex, byteOffset);
  }
  try {
    return JSON.parse(plaintext.toString('utf8')) as unknown;
  } catch {
    throw new RecordingFormatError(`record ${recordIndex} does not hold JSON`, byteOffset);
  }
}
