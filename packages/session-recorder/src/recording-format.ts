/**
 * The local recording file of a PAM session (docs/pam-contract.md "Local recording file",
 * reference §8.4). Written down once here; every other file of this package follows it.
 *
 * ```
 * file   <dir>/pam_session_<sessionId>_<resourceType>_expires_<unixSeconds>.enc   mode 0600
 *        = record*                                     (append-only, fsync after each record)
 * record = uint32 BE length ‖ body                     (length = byte length of body)
 * body   = nonce(12) ‖ AES-256-GCM(ciphertext ‖ tag(16))  of one event as UTF-8 JSON, no AAD
 * key    = the gateway's PAM session key (32 bytes, GET /api/v2/gateways/pam-session-key)
 *
 * <base>.offset = "<events acknowledged by the control plane>\n"     (written atomically)
 * <base>.ended  = empty marker: the gateway said the session ended (Burrow; survives restarts)
 * ```
 *
 * A record is written with one `write` of length ‖ body and then fsync'd, so after a crash the
 * file holds complete records followed by at most one torn record (or, after a power loss on
 * some file systems, a zero-filled tail); readers detect and ignore that tail. The record index
 * is its position in the file, starting at 0: it is the event index of the event-batch route.
 */

/** Bytes of the big-endian length in front of every record body. */
export const RECORD_LENGTH_BYTES = 4;

/** AES-GCM nonce length (the standard 96-bit nonce). */
export const RECORD_NONCE_BYTES = 12;

/** AES-GCM authentication tag length (the full 128 bits). */
export const RECORD_TAG_BYTES = 16;

/** The smallest possible body: nonce and tag around an empty ciphertext. */
export const MIN_RECORD_BODY_BYTES = RECORD_NONCE_BYTES + RECORD_TAG_BYTES;

/**
 * Upper bound for one record body. Events are query texts and result summaries; 16 MiB is far
 * above any real one and keeps a corrupted length from making a reader allocate gigabytes.
 */
export const MAX_RECORD_BODY_BYTES = 16 * 1024 * 1024;

/** The PAM session key is an AES-256 key. */
export const RECORDING_KEY_BYTES = 32;

/** Mode of recording, offset and marker files: readable by the gateway's user only. */
export const RECORDING_FILE_MODE = 0o600;

/** Mode of a recording directory Burrow creates (the files are encrypted, the names are not). */
export const RECORDING_DIR_MODE = 0o700;
