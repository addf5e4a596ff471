import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { recordAad, type RecordBinding } from './record-binding.ts';
import {
  MAX_RECORD_BODY_BYTES,
  MIN_RECORD_BODY_BYTES,
  RECORD_LENGTH_BYTES,
  RECORD_NONCE_BYTES,
  RECORD_TAG_BYTES,
} from './recording-format.ts';
import { RecordingFormatError } from './recording-errors.ts';

/**
 * Encrypts one event into a complete record: `uint32 BE length ‖ nonce ‖ ciphertext ‖ tag`
 * (format in recording-format.ts), ready for a single append. With a binding the record is
 * format 2 (bound to its session, position and predecessor); without, format 1.
 *
 * @example
 *   const record = sealRecord(key, event, { sessionId, index: 0, previousTag: FIRST_PREVIOUS_TAG, kind: 'event' });
 */
export function sealRecord(key: Buffer, event: unknown, binding?: RecordBinding): Buffer {
  const plaintext = Buffer.from(JSON.stringify(event), 'utf8');
  const nonce = randomBytes(RECORD_NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: RECORD_TAG_BYTES });
  if (binding) cipher.setAAD(recordAad(binding));
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
 * Decrypts one record body (without its length prefix), with the binding's AAD (format 2) or
 * none (format 1). Resolves undefined when authentication fails (the caller says why it
 * matters); throws RecordingFormatError when the body is too short or the plaintext not JSON.
 */
export function tryOpenRecord(
  key: Buffer,
  body: Buffer,
  recordIndex: number,
  byteOffset: number,
  binding?: RecordBinding,
): { event: unknown } | undefined {
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
    if (binding) decipher.setAAD(recordAad(binding));
    decipher.setAuthTag(tag);
    plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    return undefined;
  }
  try {
    return { event: JSON.parse(plaintext.toString('utf8')) as unknown };
  } catch {
    throw new RecordingFormatError(`record ${recordIndex} does not hold JSON`, byteOffset);
  }
}
