import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { RecordingError } from './recording-errors.ts';

/**
 * One uploaded chunk of a session recording — the reference's format, byte for byte (reference
 * §8.4; routes in @burrow/platform-api routes/pam-session-recordings.ts):
 *
 * ```
 * plaintext  = JSON array of the events of consecutive records of the local file
 * key        = the session's recording key (recording.sessionKey: 32 bytes)
 * iv         = 12 random bytes
 * aad        = SHA-256("<projectId>|<sessionId>|<chunkIndex>|<storageBackend>|v1")
 * ciphertext = AES-256-GCM(plaintext, key, iv, aad) ‖ tag(16)      (Go's gcm.Seal layout)
 * sha256     = SHA-256(ciphertext)
 * ```
 *
 * The AAD binds a chunk to its session (and project) and its position: a chunk replayed at
 * another index, or taken from another session, does not open.
 */

/** Where a chunk belongs. */
export interface ChunkBinding {
  projectId: string;
  sessionId: string;
  chunkIndex: number;
  storageBackend: string;
}

/** A sealed chunk, as the chunk route takes it (base64 of each field on the wire). */
export interface SealedChunk {
  iv: Buffer;
  ciphertext: Buffer;
  sha256: Buffer;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const AAD_VERSION = 'v1';

/** The chunk's AAD (see the contract above). */
export function chunkAad(binding: ChunkBinding): Buffer {
  return createHash('sha256')
    .update(
      `${binding.projectId}|${binding.sessionId}|${binding.chunkIndex}|${binding.storageBackend}|${AAD_VERSION}`,
    )
    .digest();
}

/**
 * Encrypts a chunk.
 *
 * @example
 *   const { iv, ciphertext, sha256 } = sealChunk(sessionKey, binding, Buffer.from(JSON.stringify(events)));
 */
export function sealChunk(key: Buffer, binding: ChunkBinding, plaintext: Buffer): SealedChunk {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(chunkAad(binding));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { iv, ciphertext, sha256: createHash('sha256').update(ciphertext).digest() };
}

/** A chunk that does not check out; the message names the chunk and why. */
export class RecordingChunkError extends RecordingError {
  override name = 'RecordingChunkError';
}

/**
 * Checks and decrypts a chunk: its size, its SHA-256 and its AES-GCM tag under this session's
 * key and this position; then parses the JSON array of events.
 */
export function openChunk(
  key: Buffer,
  binding: ChunkBinding,
  chunk: { iv: Buffer; ciphertext: Buffer; sha256: Buffer; bytes: number },
): unknown[] {
  const name = `chunk ${binding.chunkIndex} of session ${binding.sessionId}`;
  if (chunk.iv.length !== IV_BYTES) throw new RecordingChunkError(`${name}: iv must be 12 bytes`);
  if (chunk.ciphertext.length !== chunk.bytes) {
    throw new RecordingChunkError(
      `${name}: ciphertextBytes says ${chunk.bytes}, the ciphertext has ${chunk.ciphertext.length}`,
    );
  }
  if (!createHash('sha256').update(chunk.ciphertext).digest().equals(chunk.sha256)) {
    throw new RecordingChunkError(`${name}: the ciphertext does not match ciphertextSha256`);
  }
  if (chunk.ciphertext.length < TAG_BYTES) throw new RecordingChunkError(`${name}: too short`);
  let plaintext: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, chunk.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(chunkAad(binding));
    decipher.setAuthTag(chunk.ciphertext.subarray(chunk.ciphertext.length - TAG_BYTES));
    plaintext = Buffer.concat([
      decipher.update(chunk.ciphertext.subarray(0, chunk.ciphertext.length - TAG_BYTES)),
      decipher.final(),
    ]);
  } catch {
    throw new RecordingChunkError(
      `${name} failed authentication: it was changed, or it was sealed for another session or ` +
        'another chunk index',
    );
  }
  let events: unknown;
  try {
    events = JSON.parse(plaintext.toString('utf8'));
  } catch {
    throw new RecordingChunkError(`${name}: its plaintext is not JSON`);
  }
  if (!Array.isArray(events))
    throw new RecordingChunkError(`${name}: its plaintext is not an array`);
  return events;
}
