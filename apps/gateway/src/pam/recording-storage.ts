/**
 * The disk-usage bound of the gateway's local PAM recordings (issue 14):
 *
 *   usage  = bytes of the files in the recording directory whose names start pam_session_
 *            (recordings, their .offset/.ended companions), measured when a session's recording
 *            is first opened and at every metrics scrape
 *   bound  = --pam-session-recording-max-bytes / BURROW_GATEWAY_PAM_SESSION_RECORDING_MAX_BYTES
 *   usage ≥ bound → a new session (no recording file yet) is refused with RecordingStorageFullError;
 *            sessions already recording keep recording (a second connection included), nothing
 *            on disk is touched, and uploads free space as the control plane acknowledges
 *            recordings of ended sessions.
 *
 * A disk that fills up anyway (other writers) makes appends fail, and the PostgreSQL proxy then
 * withholds answers and closes the connection (fail closed); what was written stays.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Default bound: days of busy database sessions (a query event is a few hundred bytes), and small
 * beside a gateway host's disk.
 */
export const DEFAULT_PAM_SESSION_RECORDING_MAX_BYTES = 10 * 1024 ** 3;

/** New sessions are refused: the local recordings already take the bound. */
export class RecordingStorageFullError extends Error {
  override name = 'RecordingStorageFullError';
  readonly usedBytes: number;
  readonly maxBytes: number;

  constructor(usedBytes: number, maxBytes: number) {
    super(
      `the gateway's local recordings take ${formatBytes(usedBytes)} of the ${formatBytes(maxBytes)} ` +
        'allowed (--pam-session-recording-max-bytes); new sessions are refused until uploads to ' +
        'the control plane free space',
    );
    this.usedBytes = usedBytes;
    this.maxBytes = maxBytes;
  }
}

/** Bytes the recording files in `dir` take (0 when it does not exist). */
export async function recordingStorageBytes(dir: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  let total = 0;
  for (const name of names) {
    if (!name.startsWith('pam_session_')) continue;
    try {
      const info = await stat(path.join(dir, name));
      if (info.isFile()) total += info.size;
    } catch {
      // Deleted by the uploader between readdir and stat.
    }
  }
  return total;
}

/** `10.0 GiB`, `512 KiB`, `37 B`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
