/**
 * PostgreSQL as a PAM protocol (pam-protocol.ts): resource type `postgres`, credentials checked by
 * postgres-credentials.ts, each caller connection driven by a PostgresPamConnection. The
 * BackendKeyData aliases are per session (a CancelRequest arrives on its own connection of the
 * same session), so the protocol keeps one BackendKeyTable per session object; it goes with the
 * session.
 */
import type tls from 'node:tls';
import type { Logger } from '@burrow/observability';
import type { PamConnection, PamProtocol, PamSessionContext } from '../pam-protocol.ts';
import { BackendKeyTable } from './backend-keys.ts';
import type { PostgresCredentials } from './postgres-credentials.ts';
import { parsePostgresCredentials } from './postgres-credentials.ts';
import { PostgresPamConnection } from './postgres-pam-proxy.ts';

export const POSTGRES_RESOURCE_TYPE = 'postgres';

/**
 * @example
 *   const sessions = new PamSessions({ protocols: [createPostgresPamProtocol()], … });
 */
export function createPostgresPamProtocol(): PamProtocol<PostgresCredentials> {
  const backendKeys = new WeakMap<PamSessionContext<PostgresCredentials>, BackendKeyTable>();
  const keysOf = (session: PamSessionContext<PostgresCredentials>): BackendKeyTable => {
    let table = backendKeys.get(session);
    if (!table) {
      table = new BackendKeyTable();
      backendKeys.set(session, table);
    }
    return table;
  };
  return {
    resourceType: POSTGRES_RESOURCE_TYPE,
    parseCredentials: parsePostgresCredentials,
    serve(
      caller: tls.TLSSocket,
      session: PamSessionContext<PostgresCredentials>,
      logger: Logger,
    ): PamConnection {
      const context = {
        sessionId: session.sessionId,
        resourceType: session.resourceType,
        credentials: () => session.credentials(),
        record: (event: object) => session.record(event),
        backendKeys: keysOf(session),
      };
      const connection = new PostgresPamConnection(caller, context, logger);
      connection.start();
      return connection;
    },
  };
}
