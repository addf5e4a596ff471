import type { Migration } from './index.ts';

/**
 * The reference's recording upload protocols (issue 14; contract in @burrow/platform-api
 * routes/pam-session-recordings.ts):
 *
 * - `pam_session_recording_secrets`: each session's recording key and upload token, sealed with
 *   the root key (SecretBox, associated data `pam-session-recording:<sessionId>:key|token`),
 *   made at the first credentials fetch and handed to the session's gateway.
 * - `pam_session_chunks`: one row per uploaded chunk, by (session, chunkIndex); its metadata as
 *   sent and its events (the chunk's plaintext JSON array, decrypted and verified on upload).
 * - `pam_session_event_batches`: one row per event batch, by (session, startOffset = byte offset
 *   of its first record in the gateway's file).
 *
 * `pam_session_events` (one row per event index) keeps what older gateways uploaded; it is read
 * before the others.
 */
export const pamRecordingUploads: Migration = {
  version: 7,
  name: 'pam-recording-uploads',
  sql: `
CREATE TABLE pam_session_recording_secrets (
  session_id TEXT PRIMARY KEY REFERENCES pam_sessions(id) ON DELETE CASCADE,
  key_sealed BLOB NOT NULL,
  upload_token_sealed BLOB NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE pam_session_chunks (
  session_id TEXT NOT NULL REFERENCES pam_sessions(id) ON DELETE CASCADE,
  chunk_index INTEGER NOT NULL,
  start_elapsed_ms REAL NOT NULL,
  end_elapsed_ms REAL NOT NULL,
  iv BLOB NOT NULL,
  ciphertext_sha256 BLOB NOT NULL,
  ciphertext_bytes INTEGER NOT NULL,
  events TEXT NOT NULL,
  event_count INTEGER NOT NULL,
  stored_at INTEGER NOT NULL,
  PRIMARY KEY (session_id, chunk_index)
) WITHOUT ROWID;

CREATE TABLE pam_session_event_batches (
  session_id TEXT NOT NULL REFERENCES pam_sessions(id) ON DELETE CASCADE,
  start_offset INTEGER NOT NULL,
  events TEXT NOT NULL,
  event_count INTEGER NOT NULL,
  stored_at INTEGER NOT NULL,
  PRIMARY KEY (session_id, start_offset)
) WITHOUT ROWID;
`,
};
