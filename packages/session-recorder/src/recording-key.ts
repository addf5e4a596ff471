import { RECORDING_KEY_BYTES } from './recording-format.ts';
import { RecordingKeyError } from './recording-errors.ts';

/**
 * Checks that `key` is a 32-byte AES-256 key (the gateway's PAM session key) and returns it as
 * a Buffer. Never puts key bytes into the error.
 */
export function assertRecordingKey(key: Uint8Array): Buffer {
  if (!(key instanceof Uint8Array) || key.length !== RECORDING_KEY_BYTES) {
    throw new RecordingKeyError(
      `the recording key must be ${RECORDING_KEY_BYTES} bytes, got ${key instanceof Uint8Array ? key.length : typeof key}`,
    );
  }
  return Buffer.isBuffer(key) ? key : Buffer.from(key.buffer, key.byteOffset, key.length);
}
