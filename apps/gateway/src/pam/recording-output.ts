/**
 * What `burrow-gateway recordings list` and `recordings export --format text` print: plain text
 * for operators, stable enough to grep. Event contents reach only the export's stdout; the key
 * never reaches these functions.
 */
import textTable from 'text-table';
import type { LocalRecording } from './local-recordings.ts';

/**
 * The table of `recordings list`, then one note per file with a torn tail or a read problem.
 *
 * @example
 *   SESSION  TYPE      EXPIRES                        STORED  ACKED  ENDED  FILE
 *   s-1      postgres  2030-01-01T00:00:00.000Z       3       2      no     /var/lib/…/pam_session_s-1_postgres_expires_1893456000.enc
 */
export function formatRecordingList(
  recordings: readonly LocalRecording[],
  now: Date = new Date(),
): string {
  if (recordings.length === 0) return 'No PAM session recordings.';
  const rows = recordings.map((recording) => [
    recording.sessionId,
    recording.resourceType ?? '-',
    recording.expiresAt.toISOString() + (recording.expiresAt <= now ? ' (passed)' : ''),
    recording.eventsStored === undefined ? '?' : String(recording.eventsStored),
    String(recording.eventsAcknowledged),
    recording.ended ? 'yes' : 'no',
    recording.path,
  ]);
  const notes = recordings.flatMap((recording) => {
    if (recording.problem !== undefined) return [`${recording.path}: ${recording.problem}`];
    if (recording.truncatedTailBytes > 0) {
      return [
        `${recording.path}: ends with ${recording.truncatedTailBytes} bytes of an incomplete record (a write cut short by a crash, or one under way); not counted`,
      ];
    }
    return [];
  });
  const table = textTable([
    ['SESSION', 'TYPE', 'EXPIRES', 'STORED', 'ACKED', 'ENDED', 'FILE'],
    ...rows,
  ]);
  return notes.length === 0 ? table : `${table}\n\n${notes.join('\n')}`;
}
