import { routes } from '@burrow/platform-api';
import { eventsToAsciicast, eventsToCommandLog } from '@burrow/session-recorder';
import { CliError } from './cli-error.ts';
import { ControlPlaneError, type ControlPlane } from './control-plane.ts';
import {
  formatSessionDetails,
  formatSessionEventsJsonLines,
  formatSessionList,
  type PamSessionRecord,
} from './output-format.ts';

/**
 * `burrow pam sessions list`, `burrow pam sessions show <id>` and `burrow pam sessions export
 * <id>`: read the control plane's session records (`GET /api/v1/pam/sessions[/:id]`); `list` and
 * `show` print them for people (`show`: every recorded query in order with its timestamp and
 * result), `export` prints the events as JSON lines for tools, or an SSH session as asciicast v2
 * (`asciinema play`) or as its command log (@burrow/session-recorder terminal-recording-export.ts).
 *
 * @example
 *   process.stdout.write(`${await showPamSession(platform, id)}\n`);
 */
export async function listPamSessions(platform: ControlPlane): Promise<string> {
  const { sessions } = await platform.call(routes.listPamSessions);
  return formatSessionList(sessions);
}

export async function showPamSession(platform: ControlPlane, sessionId: string): Promise<string> {
  return formatSessionDetails(await fetchPamSession(platform, sessionId));
}

export const SESSION_EXPORT_FORMATS = ['jsonl', 'asciicast', 'commands'] as const;
export type SessionExportFormat = (typeof SESSION_EXPORT_FORMATS)[number];

/**
 * The session's events in `format` ('' when there is nothing to print), and what is known missing
 * from the recording (for stderr: the output stays exactly the export).
 */
export async function exportPamSession(
  platform: ControlPlane,
  sessionId: string,
  format: SessionExportFormat = 'jsonl',
): Promise<{ lines: string; problems: string[] }> {
  const session = await fetchPamSession(platform, sessionId);
  const events = session.events ?? [];
  const lines =
    format === 'asciicast'
      ? eventsToAsciicast(events, { title: `Burrow PAM session ${sessionId}` }).trimEnd()
      : format === 'commands'
        ? eventsToCommandLog(events).trimEnd()
        : formatSessionEventsJsonLines(events);
  return { lines, problems: session.recordingProblems ?? [] };
}

async function fetchPamSession(
  platform: ControlPlane,
  sessionId: string,
): Promise<PamSessionRecord> {
  try {
    const { session } = await platform.call(routes.getPamSession, { params: { sessionId } });
    return session;
  } catch (error) {
    if (error instanceof ControlPlaneError && (error.status === 404 || error.status === 400))
      throw new CliError(`PAM session ${sessionId} not found`);
    throw error;
  }
}
