import path from 'node:path';

/**
 * Names of a session's files (recording-format.ts):
 * `pam_session_<sessionId>_<resourceType>_expires_<unixSeconds>.enc`, its `.offset` and its
 * `.ended` marker. The reference's legacy name without the resource type is parsed too.
 */

/** What a recording file name says about its session. */
export interface RecordingFileInfo {
  sessionId: string;
  /** Undefined for the reference's legacy names without a type. */
  resourceType: string | undefined;
  /** The session's expiry (second precision, as in the name). */
  expiresAt: Date;
}

/** Session IDs and resource types become file names: no separators, no path tricks. */
const SESSION_ID_PATTERN = /^[A-Za-z0-9-]{1,128}$/;
const RESOURCE_TYPE_PATTERN = /^[a-z0-9-]{1,64}$/;
const FILE_NAME_PATTERN =
  /^pam_session_([A-Za-z0-9-]{1,128})(?:_([a-z0-9-]{1,64}))?_expires_(\d{1,12})\.enc$/;

/** Throws a TypeError when the session ID or resource type cannot be part of a file name. */
export function assertRecordingNameParts(sessionId: string, resourceType: string): void {
  if (!SESSION_ID_PATTERN.test(sessionId)) {
    throw new TypeError('session ID must be 1-128 characters of [A-Za-z0-9-]');
  }
  if (!RESOURCE_TYPE_PATTERN.test(resourceType)) {
    throw new TypeError('resource type must be 1-64 characters of [a-z0-9-]');
  }
}

/** `pam_session_<sessionId>_<resourceType>_expires_<unixSeconds>.enc` */
export function recordingFileName(info: {
  sessionId: string;
  resourceType: string;
  expiresAt: Date;
}): string {
  assertRecordingNameParts(info.sessionId, info.resourceType);
  const seconds = Math.floor(info.expiresAt.getTime() / 1000);
  if (!Number.isFinite(seconds) || seconds < 0) throw new TypeError('expiresAt is not a date');
  return `pam_session_${info.sessionId}_${info.resourceType}_expires_${seconds}.enc`;
}

/** The session a recording file name describes, or undefined when it is not one. */
export function parseRecordingFileName(fileName: string): RecordingFileInfo | undefined {
  const match = FILE_NAME_PATTERN.exec(path.basename(fileName));
  if (!match) return undefined;
  return {
    sessionId: match[1] as string,
    resourceType: match[2],
    expiresAt: new Date(Number(match[3]) * 1000),
  };
}

/** `<recording without .enc>.offset` */
export function offsetFilePath(recordingPath: string): string {
  return recordingPath.replace(/\.enc$/, '') + '.offset';
}

/** `<recording without .enc>.ended` */
export function endedMarkerPath(recordingPath: string): string {
  return recordingPath.replace(/\.enc$/, '') + '.ended';
}

/** `<recording without .enc>.secrets`: the session's upload secrets, sealed (recording-secrets-file.ts). */
export function secretsFilePath(recordingPath: string): string {
  return recordingPath.replace(/\.enc$/, '') + '.secrets';
}

/** `<recording without .enc>.chunk`: the chunk being uploaded (pending-chunk-file.ts). */
export function pendingChunkPath(recordingPath: string): string {
  return recordingPath.replace(/\.enc$/, '') + '.chunk';
}
