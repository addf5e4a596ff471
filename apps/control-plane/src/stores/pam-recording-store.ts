import { randomBytes } from 'node:crypto';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { Db } from '../db/database.ts';

/**
 * What gateways uploaded of PAM session recordings (migrations 0007, 0008, 0015; protocol in
 * @burrow/platform-api routes/pam-session-recordings.ts): each session's recording secrets
 * (sealed), its chunks by index and its event batches by byte offset, and the recording read
 * back in order with what is missing from it.
 *
 * @example
 *   const { key, uploadToken } = store.secrets(sessionId);
 *   store.addChunk({ sessionId, chunkIndex: 0, …, events });
 *   const { events, problems } = store.recording(sessionId);
 */

/** A session's recording secrets. */
export interface RecordingSecrets {
  /** The 32-byte AES-256 key its chunks are encrypted with. */
  key: Buffer;
  uploadToken: string;
}

/** One verified chunk, as stored. */
export interface StoredChunk {
  sessionId: string;
  chunkIndex: number;
  startElapsedMs: number;
  endElapsedMs: number;
  iv: Buffer;
  ciphertextSha256: Buffer;
  ciphertextBytes: number;
  events: unknown[];
}

/** A session's recording as uploaded, in order, and what readers must be told about it. */
export interface UploadedRecording {
  events: unknown[];
  /**
   * Human-readable, each naming the first thing missing (a chunk gap, fewer events than the
   * gateway recorded, what the gateway said is wrong). Empty when nothing is known missing.
   */
  problems: string[];
}

export class PamRecordingStore {
  readonly #db: Db;
  readonly #secretBox: SecretBox;

  constructor(db: Db, secretBox: SecretBox) {
    this.#db = db;
    this.#secretBox = secretBox;
  }

  /** The session's recording secrets, made on first use (the first credentials fetch). */
  secrets(sessionId: string): RecordingSecrets {
    const existing = this.#read(sessionId);
    if (existing) return existing;
    this.#db
      .prepare(
        `INSERT OR IGNORE INTO pam_session_recording_secrets (session_id, key_sealed, upload_token_sealed, created_at)
         VALUES (?, ?, ?, ?)`,
      )
      .run(
        sessionId,
        this.#secretBox.seal(randomBytes(32), label(sessionId, 'key')),
        this.#secretBox.seal(randomBytes(32), label(sessionId, 'token')),
        Date.now(),
      );
    return this.#read(sessionId) as RecordingSecrets;
  }

  /** The secrets if the session has any yet. */
  existingSecrets(sessionId: string): RecordingSecrets | undefined {
    return this.#read(sessionId);
  }

  /** Stores a chunk unless its index is stored already (replay: the first is kept). */
  addChunk(chunk: StoredChunk): 'stored' | 'replay' {
    return this.#db.transaction((): 'stored' | 'replay' => {
      const inserted = this.#db
        .prepare(
          `INSERT OR IGNORE INTO pam_session_chunks (session_id, chunk_index, start_elapsed_ms, end_elapsed_ms, iv, ciphertext_sha256, ciphertext_bytes, events, event_count, stored_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          chunk.sessionId,
          chunk.chunkIndex,
          chunk.startElapsedMs,
          chunk.endElapsedMs,
          chunk.iv,
          chunk.ciphertextSha256,
          chunk.ciphertextBytes,
          JSON.stringify(chunk.events),
          chunk.events.length,
          Date.now(),
        );
      if (inserted.changes === 0) return 'replay';
      this.#countEvents(chunk.sessionId, chunk.events.length);
      return 'stored';
    })();
  }

  /** Stores an event batch unless its startOffset is stored already (replay: the first is kept). */
  addEventBatch(sessionId: string, startOffset: number, events: unknown[]): 'stored' | 'replay' {
    return this.#db.transaction((): 'stored' | 'replay' => {
      const inserted = this.#db
        .prepare(
          `INSERT OR IGNORE INTO pam_session_event_batches (session_id, start_offset, events, event_count, stored_at)
           VALUES (?, ?, ?, ?, ?)`,
        )
        .run(sessionId, startOffset, JSON.stringify(events), events.length, Date.now());
      if (inserted.changes === 0) return 'replay';
      this.#countEvents(sessionId, events.length);
      return 'stored';
    })();
  }

  /** The gateway's word on how many events it recorded (the largest it said). */
  declareRecordedEvents(sessionId: string, recordedEvents: number): void {
    this.#db
      .prepare(
        'UPDATE pam_sessions SET recorded_events = MAX(COALESCE(recorded_events, 0), ?) WHERE id = ?',
      )
      .run(recordedEvents, sessionId);
  }

  /** The gateway's word on what is wrong with its local recording (the first it said). */
  declareRecordingProblem(sessionId: string, problem: string): void {
    this.#db
      .prepare(
        'UPDATE pam_sessions SET recording_problem = COALESCE(recording_problem, ?) WHERE id = ?',
      )
      .run(problem, sessionId);
  }

  /** Events stored for the session (all protocols). */
  eventCount(sessionId: string): number {
    return (
      this.#db
        .prepare<[string], { event_count: number }>(
          'SELECT event_count FROM pam_sessions WHERE id = ?',
        )
        .get(sessionId)?.event_count ?? 0
    );
  }

  /**
   * The session's recording in order: events older gateways uploaded by index, then event
   * batches by byte offset, then chunks by index. A chunk index missing before the last one
   * stored is a problem readers are told about (its events never arrived).
   */
  recording(sessionId: string): UploadedRecording {
    const events: unknown[] = this.#db
      .prepare<[string], { event: string }>(
        'SELECT event FROM pam_session_events WHERE session_id = ? ORDER BY event_index',
      )
      .all(sessionId)
      .map((row) => JSON.parse(row.event) as unknown);
    for (const row of this.#db
      .prepare<[string], { events: string }>(
        'SELECT events FROM pam_session_event_batches WHERE session_id = ? ORDER BY start_offset',
      )
      .all(sessionId)) {
      events.push(...(JSON.parse(row.events) as unknown[]));
    }
    const problems: string[] = [];
    let expected = 0;
    for (const row of this.#db
      .prepare<[string], { chunk_index: number; events: string }>(
        'SELECT chunk_index, events FROM pam_session_chunks WHERE session_id = ? ORDER BY chunk_index',
      )
      .all(sessionId)) {
      if (row.chunk_index !== expected && problems.length === 0) {
        const missing =
          row.chunk_index - expected === 1
            ? `chunk ${expected} is missing`
            : `chunks ${expected}–${row.chunk_index - 1} are missing`;
        problems.push(
          `${missing}: the gateway's upload of them never arrived, so the recording lacks the events ` +
            `between event ${events.length} (the last one before the gap) and the next shown`,
        );
      }
      expected = row.chunk_index + 1;
      events.push(...(JSON.parse(row.events) as unknown[]));
    }
    const said = this.#db
      .prepare<[string], { recorded_events: number | null; recording_problem: string | null }>(
        'SELECT recorded_events, recording_problem FROM pam_sessions WHERE id = ?',
      )
      .get(sessionId);
    const declared = said?.recorded_events;
    if (declared !== null && declared !== undefined && declared !== events.length) {
      problems.push(
        declared > events.length
          ? `the gateway recorded ${declared} events but ${events.length} arrived: the last ${declared - events.length} are missing`
          : `the gateway recorded ${declared} events but ${events.length} arrived`,
      );
    }
    if (said?.recording_problem) {
      problems.push(`the gateway reported: ${said.recording_problem}`);
    }
    return { events, problems };
  }

  #read(sessionId: string): RecordingSecrets | undefined {
    const row = this.#db
      .prepare<[string], { key_sealed: Buffer; upload_token_sealed: Buffer }>(
        'SELECT key_sealed, upload_token_sealed FROM pam_session_recording_secrets WHERE session_id = ?',
      )
      .get(sessionId);
    if (!row) return undefined;
    return {
      key: this.#secretBox.open(row.key_sealed, label(sessionId, 'key')),
      uploadToken: this.#secretBox
        .open(row.upload_token_sealed, label(sessionId, 'token'))
        .toString('base64url'),
    };
  }

  #countEvents(sessionId: string, added: number): void {
    this.#db
      .prepare('UPDATE pam_sessions SET event_count = event_count + ? WHERE id = ?')
      .run(added, sessionId);
  }
}

function label(sessionId: string, what: 'key' | 'token'): string {
  return `pam-session-recording:${sessionId}:${what}`;
}
