/**
 * The recording files on the gateway host, as `burrow-gateway recordings list` shows them and
 * `recordings export` finds them (docs/pam-contract.md "Local recording file"): per
 * `pam_session_<id>_<type>_expires_<unix>.enc`, the events stored (complete records, counted
 * without the key), the events the control plane acknowledged (`.offset`) and the `.ended`
 * marker. Only reads: never creates a directory, never touches a file.
 */
import { access, readdir } from 'node:fs/promises';
import path from 'node:path';
import {
  endedMarkerPath,
  inspectRecordingFile,
  offsetFilePath,
  parseRecordingFileName,
  readAcknowledgedCount,
} from '@burrow/session-recorder';

/** One recording file and its upload state. */
export interface LocalRecording {
  /** Absolute path of the `.enc` file. */
  readonly path: string;
  readonly sessionId: string;
  /** Undefined for the reference's legacy names without a type. */
  readonly resourceType: string | undefined;
  readonly expiresAt: Date;
  /** Complete records; undefined when the file could not be read (see `problem`). */
  readonly eventsStored: number | undefined;
  /** From the `.offset` file (0 when missing). */
  readonly eventsAcknowledged: number;
  /** The `.ended` marker exists: the gateway ended the session. */
  readonly ended: boolean;
  /** Bytes at the end that are not a complete record (a crash mid-write, or one being written). */
  readonly truncatedTailBytes: number;
  /** Why the file could not be read (an impossible record length, permissions). */
  readonly problem: string | undefined;
}

/** The recordings found in some directories, and the directories that could not be read. */
export interface LocalRecordingListing {
  readonly recordings: LocalRecording[];
  /** `<dir>: <reason>` for each directory that exists but could not be listed. */
  readonly unreadable: string[];
}

/**
 * Lists the recording files of `dirs`, sorted by expiry then session ID. A missing directory is
 * skipped silently.
 *
 * @example
 *   const { recordings } = await listLocalRecordings(['/var/lib/infisical/session_recordings']);
 */
export async function listLocalRecordings(dirs: readonly string[]): Promise<LocalRecordingListing> {
  const recordings: LocalRecording[] = [];
  const unreadable: string[] = [];
  for (const dir of new Set(dirs.map((entry) => path.resolve(entry)))) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        unreadable.push(`${dir}: ${message(error)}`);
      }
      continue;
    }
    for (const name of names.sort()) {
      const info = parseRecordingFileName(name);
      if (info === undefined) continue;
      recordings.push(await describeRecording(path.join(dir, name), info));
    }
  }
  recordings.sort(
    (a, b) =>
      a.expiresAt.getTime() - b.expiresAt.getTime() || a.sessionId.localeCompare(b.sessionId),
  );
  return { recordings, unreadable };
}

async function describeRecording(
  file: string,
  info: { sessionId: string; resourceType: string | undefined; expiresAt: Date },
): Promise<LocalRecording> {
  const [summary, eventsAcknowledged, ended] = await Promise.all([
    inspectRecordingFile(file).then(
      (value) => ({ value, problem: undefined }),
      (error: unknown) => ({ value: undefined, problem: message(error) }),
    ),
    readAcknowledgedCount(offsetFilePath(file)),
    access(endedMarkerPath(file)).then(
      () => true,
      () => false,
    ),
  ]);
  return {
    path: file,
    ...info,
    eventsStored: summary.value?.events,
    eventsAcknowledged,
    ended,
    truncatedTailBytes: summary.value?.truncatedTail?.bytes ?? 0,
    problem: summary.problem,
  };
}

/**
 * Finds the recording `fileOrSessionId` names: an existing path to a recording file, or a
 * session ID looked up in `dirs`. Answers the matching files (more than one only when the same
 * session was recorded under several expiries or directories).
 *
 * @example
 *   const [file] = await findLocalRecordings(dirs, '2b0c…');
 */
export async function findLocalRecordings(
  dirs: readonly string[],
  fileOrSessionId: string,
): Promise<string[]> {
  const looksLikePath = fileOrSessionId.includes(path.sep) || fileOrSessionId.endsWith('.enc');
  if (looksLikePath) {
    const file = path.resolve(fileOrSessionId);
    return (await access(file).then(
      () => true,
      () => false,
    ))
      ? [file]
      : [];
  }
  const { recordings } = await listLocalRecordings(dirs);
  return recordings
    .filter((recording) => recording.sessionId === fileOrSessionId)
    .map((recording) => recording.path);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
