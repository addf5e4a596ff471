import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { writeFileDurably } from './offset-file.ts';
import { secretsFilePath } from './recording-file-name.ts';
import { RecordingError } from './recording-errors.ts';
import { assertRecordingKey } from './recording-key.ts';

/**
 * A session's recording secrets from the control plane (credentials answer `recording`,
 * reference §8.2): what its chunks are sealed with and uploaded under. Kept next to the
 * recording so an upload resumes after a restart, when the session may have ended and the
 * control plane no longer hands out its credentials:
 *
 * ```
 * <base>.secrets = nonce(12) ‖ AES-256-GCM(JSON {sessionKey, uploadToken, projectId, storageBackend}) ‖ tag(16)
 *                  key = the gateway's PAM session key; AAD = "burrow-recording-secrets" ‖ 0x00 ‖ sessionId
 *                  mode 0600, written durably, deleted with the recording
 * ```
 */
export interface RecordingSecrets {
  /** The session's 32-byte AES-256 recording key. */
  sessionKey: Buffer;
  uploadToken: string;
  projectId: string;
  storageBackend: string;
}

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

function aad(sessionId: string): Buffer {
  return Buffer.concat([Buffer.from('burrow-recording-secrets\0', 'utf8'), Buffer.from(sessionId)]);
}

/** Seals and writes the secrets next to `recordingPath`. */
export async function writeRecordingSecrets(
  recordingPath: string,
  key: Uint8Array,
  sessionId: string,
  secrets: RecordingSecrets,
): Promise<void> {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', assertRecordingKey(key), nonce);
  cipher.setAAD(aad(sessionId));
  const plaintext = JSON.stringify({
    sessionKey: secrets.sessionKey.toString('base64'),
    uploadToken: secrets.uploadToken,
    projectId: secrets.projectId,
    storageBackend: secrets.storageBackend,
  });
  await writeFileDurably(
    secretsFilePath(recordingPath),
    Buffer.concat([nonce, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]),
  );
}

/** The secrets next to `recordingPath`; undefined when there are none. */
export async function readRecordingSecrets(
  recordingPath: string,
  key: Uint8Array,
  sessionId: string,
): Promise<RecordingSecrets | undefined> {
  let sealed: Buffer;
  try {
    sealed = await readFile(secretsFilePath(recordingPath));
  } catch {
    return undefined;
  }
  try {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      assertRecordingKey(key),
      sealed.subarray(0, NONCE_BYTES),
    );
    decipher.setAAD(aad(sessionId));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const plaintext = Buffer.concat([
      decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)),
      decipher.final(),
    ]);
    const fields = JSON.parse(plaintext.toString('utf8')) as Record<string, string>;
    return {
      sessionKey: Buffer.from(fields.sessionKey ?? '', 'base64'),
      uploadToken: String(fields.uploadToken),
      projectId: String(fields.projectId),
      storageBackend: String(fields.storageBackend),
    };
  } catch {
    throw new RecordingError(
      `${secretsFilePath(recordingPath)} does not open with this gateway's key for session ${sessionId}`,
    );
  }
}
