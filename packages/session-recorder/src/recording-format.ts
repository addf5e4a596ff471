/**
 * The local recording file of a PAM session (docs/pam-contract.md "Local recording file",
 * reference §8.4). Written down once here; every other file of this package follows it, and
 * packages/session-recorder/README.md repeats it for people.
 *
 * ```
 * file   <dir>/pam_session_<sessionId>_<resourceType>_expires_<unixSeconds>.enc   mode 0600
 *        = record*                                     (append-only; a record is fsync'd before its
 *                                                      append resolves; one fsync may cover several
 *                                                      records queued together: group commit)
 * record = uint32 BE length ‖ body                     (length = byte length of body)
 * body   = nonce(12) ‖ AES-256-GCM(ciphertext ‖ tag(16))  of one event as UTF-8 JSON
 * key    = the gateway's PAM session key (32 bytes, GET /api/v2/gateways/pam-session-key)
 *
 * Format 2 (Burrow, written since issue 14): every record is bound by its AAD
 *   aad    = "burrow-recording" ‖ 0x00 ‖ uint8 version(2) ‖ uint8 kind
 *            ‖ uint16 BE byteLength(sessionId) ‖ sessionId (UTF-8)
 *            ‖ uint64 BE index ‖ previousTag(16)
 *   kind   = 1 event | 2 seal
 *   index  = the record's position in the file, from 0
 *   previousTag = the GCM tag of record index-1 (= the 16 bytes before this record), 16 zero
 *            bytes for record 0
 * so a record opens only as the record `index` of session `sessionId` directly after the record
 * it follows: deleting, reordering, duplicating or splicing in records (from this or another
 * session) makes the first record out of place fail authentication, and readers name it.
 * The seal: when the gateway ends the session it appends one last record of kind 2 holding
 * `{"events": <count>}`; nothing may follow it. A recording without a seal is open, or was cut
 * short by a crash, or lost records at its end — readers report it as not sealed.
 *
 * Format 1 (the reference's, and Burrow's before issue 14): no AAD, no seal. Still read: a file
 * is format 1 when its record 0 opens without AAD; every record of it must then do so. Readers say
 * such a recording cannot show removed or reordered records. Appends to a format-1 file stay
 * format 1 (a file never mixes formats); new files are always format 2.
 *
 * <base>.offset = "<events uploaded>\n<byte offset of the next record>\n<next chunk index>\n
 *                 <first event ms>\n"  (older gateways wrote the first line only; written to a
 *                 temporary file, fsync'd and renamed: offset-file.ts)
 * <base>.ended  = empty marker: the gateway said the session ended (Burrow; survives restarts)
 * ```
 *
 * Records queued together are written with one `write` of their length ‖ body pairs and then
 * fsync'd (group commit, session-recording.ts), so after a crash the file holds complete records
 * followed by at most one torn record (or, after a power loss on
 * some file systems, a zero-filled tail); readers detect and ignore that tail. The record index
 * is its position in the file, starting at 0: for events it is the event index of the
 * event-batch route (the seal, last, is not an event).
 */

/** The format new recordings are written in. */
export const RECORDING_FORMAT_VERSION = 2;

/** Formats a reader understands: 1 (unbound records) and 2 (bound and chained). */
export type RecordingFormatVersion = 1 | 2;

/** Domain separation prefix of every format-2 AAD. */
export const RECORD_AAD_PREFIX = 'burrow-recording';

/** The kinds of format-2 records. */
export const RECORD_KIND = { event: 1, seal: 2 } as const;
export type RecordKind = keyof typeof RECORD_KIND;

/** Bytes of the big-endian length in front of every record body. */
export const RECORD_LENGTH_BYTES = 4;

/** AES-GCM nonce length (the standard 96-bit nonce). */
export const RECORD_NONCE_BYTES = 12;

/** AES-GCM authentication tag length (the full 128 bits). */
export const RECORD_TAG_BYTES = 16;

/** The smallest possible body: nonce and tag around an empty ciphertext. */
export const MIN_RECORD_BODY_BYTES = RECORD_NONCE_BYTES + RECORD_TAG_BYTES;

/**
 * Upper bound for one record body. Events are query texts and result summaries; the gateway
 * keeps query text in full up to 4 Mi characters, which JSON can grow sixfold at worst (control
 * characters as \u00XX). 64 MiB holds that and keeps a corrupted length from making a reader
 * allocate gigabytes.
 */
export const MAX_RECORD_BODY_BYTES = 64 * 1024 * 1024;

/** The PAM session key is an AES-256 key. */
export const RECORDING_KEY_BYTES = 32;

/** Mode of recording, offset and marker files: readable by the gateway's user only. */
export const RECORDING_FILE_MODE = 0o600;

/** Mode of a recording directory Burrow creates (the files are encrypted, the names are not). */
export const RECORDING_DIR_MODE = 0o700;
