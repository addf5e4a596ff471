import { formatSessionDetails, formatSessionList } from './output-format.ts';
import type { PamSession } from './pam-types.ts';
import { PlatformError, type PlatformClient } from './platform-client.ts';
import { CliError } from './cli-error.ts';

/**
 * `burrow pam sessions list` and `burrow pam sessions show <id>`: read the control plane's
 * session records (`GET /api/v1/pam/sessions[/:id]`) and print them for people; `show` prints
 * every recorded query in order with its timestamp and result.
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
  try {
    const { session } = await platform.request<{ session: PamSession }>(
      'GET',
      `/v1/pam/sessions/${encodeURIComponent(sessionId)}`,
    );
    return formatSessionDetails(session);
  } catch (error) {
    if (error instanceof PlatformError && (error.status === 404 || error.status === 400))
      throw new CliError(`PAM session ${sessionId} not found`);
    throw error;
  }
}
