/**
 * @burrow/session-recorder — the gateway's local, encrypted, append-only PAM session recording
 * (docs/pam-contract.md "Local recording file"; format in recording-format.ts), its uploader
 * with persisted offsets, and decrypt / replay / export tools.
 */
export * from './offset-file.ts';
export * from './pending-chunk-file.ts';
export * from './record-binding.ts';
export * from './record-cipher.ts';
export * from './recorded-event-text.ts';
export * from './recording-chunk.ts';
export * from './recording-errors.ts';
export * from './recording-export.ts';
export * from './recording-file-name.ts';
export * from './recording-format.ts';
export * from './recording-inspect.ts';
export * from './recording-key.ts';
export * from './recording-reader.ts';
export * from './recording-secrets-file.ts';
export * from './recording-uploader.ts';
export * from './retry-backoff.ts';
export * from './session-event.ts';
export * from './terminal-recording-export.ts';
export * from './terminal-safe-text.ts';
export { openSessionRecording, recordingWriteTotals } from './session-recording.ts';
export type {
  RecordingWriteTotals,
  SessionRecording,
  SessionRecordingOptions,
} from './session-recording.ts';
