import {
  formatSessionDetails,
  formatSessionEventsJsonLines,
  formatSessionList,
} from './output-format.ts';
import type { PamSession } from './pam-types.ts';
import { PlatformError, type PlatformClient } from './platform-client.ts';
import { CliError } from './cli-error.ts';

/**
 * `burrow pam sessions list`, `burrow pam sessions show <id>` and `burrow pam sessions export
 * <id>`: read the control plane's session records (`GET /api/v1/pam/sessions[/:id]`); `list` and
 * `show` print them for people (`show`: every recorded query in order with its timestamp and
 * result), `export` prints the events as JSON lines for tools.
 *
 * @example
 *   process.stdout.write(`${await showPamSession(platform, id)}\n`);
 */
export async function listPamSessions(platform: PlatformClient): Promise<string> {
  const { sessions } = await platform.request<{ sessions: PamSession[] }>(
    'GET',
    '/v1/pam/sessions',
  );
  return formatSessionList(sessions ?? []);
}

export async function showPamSession(platform: PlatformClient, sessionId: string): Promise<string> {
  return formatSessionDetails(await fetchPamSession(platform, sessionId));
}

/**
 * The session's events as JSON lines ('' when it has none), and what is known missing from the
 * recording (for stderr: the JSON lines stay exactly the events).
 */
export async function exportPamSession(
  platform: PlatformClient,
  sessionId: string,
): Promise<{ lines: string; problems: string[] }> {
  const session = await fetchPamSession(platform, sessionId);
  return {
    lines: formatSessionEventsJsonLines(session.events ?? []),
    problems: session.recordingProblems ?? [],
  };
}

async function fetchPamSession(platform: PlatformClient, sessionId: string): Promise<PamSession> {
  try {
    const { session } = await platform.request<{ session: PamSession }>(
      'GET',
      `/v1/pam/sessions/${encodeURIComponent(sessionId)}`,
    );
    return session;
  } catch (error) {
    if (error instanceof PlatformError && (error.status === 404 || error.status === 400))
      throw new CliError(`PAM session ${sessionId} not found`);
    throw error;
  }
}
