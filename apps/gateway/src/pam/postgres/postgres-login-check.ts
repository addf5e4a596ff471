/**
 * Logging in to a PostgreSQL server once and leaving: what the connection test (`sql` mode,
 * actions/connection-test.ts) uses to tell "unreachable" from "wrong credentials". The same
 * transport (target-connection.ts: SSLRequest, TLS as the resource says) and authentication
 * (server-authentication.ts: cleartext, md5, SCRAM-SHA-256) as a PAM session's login.
 *
 *   connect, TLS                 -> TargetConnectionError (unreachable, TLS refused)
 *   StartupMessage, authenticate -> ServerAuthenticationError (its SQLSTATE: 28xxx = credentials)
 *   until ReadyForQuery          -> an ErrorResponse here (database missing: 3D000) is
 *                                   ServerAuthenticationError with its SQLSTATE
 *   Terminate, close
 */
import { ServerAuthenticationError, authenticateToServer } from './server-authentication.ts';
import { encodeStartupMessage } from './startup.ts';
import { connectToTarget } from './target-connection.ts';
import type { PostgresCredentials } from './postgres-credentials.ts';
import { MessageReader } from './message-reader.ts';
import { PROTOCOL_VERSION_3_0, encodeMessage } from './wire-messages.ts';
import { parseErrorFields } from './error-response.ts';

/**
 * @example
 *   await checkPostgresLogin(credentials, 15_000, AbortSignal.timeout(15_000));
 */
export async function checkPostgresLogin(
  credentials: PostgresCredentials,
  connectTimeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  const target = await connectToTarget(credentials, connectTimeoutMs, signal);
  const abort = (): void => {
    target.tcp.destroy(new Error('the connection test timed out'));
  };
  signal.addEventListener('abort', abort, { once: true });
  try {
    const reader = new MessageReader(target.socket);
    target.socket.write(
      encodeStartupMessage(PROTOCOL_VERSION_3_0, new Map(), {
        user: credentials.username,
        database: credentials.database,
        application_name: 'burrow-connection-test',
      }),
    );
    await authenticateToServer(reader, target.socket, credentials, () => undefined);
    for (;;) {
      const message = await reader.message();
      if (message.type === 'Z') break;
      if (message.type === 'E') {
        const fields = parseErrorFields(message.body);
        throw new ServerAuthenticationError(fields.get('M') ?? 'refused', fields.get('C'));
      }
    }
    target.socket.write(encodeMessage('X'));
  } finally {
    signal.removeEventListener('abort', abort);
    target.socket.end();
    target.tcp.destroy();
  }
}
