/**
 * Typed errors of the recording file. Callers can tell "someone changed the file or used the
 * wrong key" from "the file is not a recording" from "the session is over" without parsing
 * messages.
 */

/** Base class of every error this package throws on purpose. */
export class RecordingError extends Error {
  override name = 'RecordingError';
}

/**
 * A record failed AES-GCM authentication where it is: it was changed, removed records precede it,
 * it was moved or taken from another recording, or the key is not the one it was written with.
 * Always names the first record that does not verify (records before it did).
 */
export class RecordingIntegrityError extends RecordingError {
  override name = 'RecordingIntegrityError';
  readonly recordIndex: number;
  readonly byteOffset: number;

  constructor(recordIndex: number, byteOffset: number, detail?: string) {
    super(
      `recording record ${recordIndex} (byte ${byteOffset}) failed authentication: ` +
        (detail ??
          'the file was modified, records before it were removed or reordered, it comes from ' +
            'another recording, or the key is wrong'),
    );
    this.recordIndex = recordIndex;
    this.byteOffset = byteOffset;
  }
}

/** The bytes do not follow the record format (impossible length, body that is not JSON). */
export class RecordingFormatError extends RecordingError {
  override name = 'RecordingFormatError';
  /** Where the problem is (-1 when not in a file, e.g. an event too large to record). */
  readonly byteOffset: number;
  /**
   * The record that cannot be read, when a record of a file is (the records before it can):
   * e.g. an impossible length in the middle of the file.
   */
  readonly recordIndex: number | undefined;

  constructor(message: string, byteOffset: number, recordIndex?: number) {
    super(message);
    this.byteOffset = byteOffset;
    this.recordIndex = recordIndex;
  }
}

/** The recording key is not 32 bytes. */
export class RecordingKeyError extends RecordingError {
  override name = 'RecordingKeyError';
}

/** An append or open after the session was marked ended. */
export class RecordingEndedError extends RecordingError {
  override name = 'RecordingEndedError';
  readonly sessionId: string;

  constructor(sessionId: string) {
    super(`the recording of session ${sessionId} has ended`);
    this.sessionId = sessionId;
  }
}
