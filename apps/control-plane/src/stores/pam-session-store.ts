import type { Db } from '../db/database.ts';

/**
 * PAM sessions: who opened which account through which gateway, until when, and how many
 * recorded events arrived (the recordings themselves: pam-recording-store.ts).
 *
 * @example
 *   const session = store.get(sessionId);
 */
export interface PamSession {
  id: string;
  orgId: string;
  accountId: string;
  identityId: string;
  gatewayId: string;
  accountPath: string;
  resourceType: string;
  reason: string | null;
  createdAt: number;
  expiresAt: number;
  endedAt: number | null;
  eventCount: number;
  /** The access token that opened the session (revoking it ends the session); null before 0005. */
  accessTokenId: string | null;
}

interface PamSessionRow {
  id: string;
  org_id: string;
  account_id: string;
  identity_id: string;
  gateway_id: string;
  account_path: string;
  resource_type: string;
  reason: string | null;
  created_at: number;
  expires_at: number;
  ended_at: number | null;
  event_count: number;
  access_token_id: string | null;
}

export class PamSessionStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  create(
    session: Omit<PamSession, 'endedAt' | 'eventCount' | 'accessTokenId'> & {
      accessTokenId?: string | null | undefined;
    },
  ): PamSession {
    const accessTokenId = session.accessTokenId ?? null;
    this.#db
      .prepare(
        `INSERT INTO pam_sessions (id, org_id, account_id, identity_id, gateway_id, account_path, resource_type, reason, created_at, expires_at, access_token_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        session.id,
        session.orgId,
        session.accountId,
        session.identityId,
        session.gatewayId,
        session.accountPath,
        session.resourceType,
        session.reason,
        session.createdAt,
        session.expiresAt,
        accessTokenId,
      );
    return { ...session, accessTokenId, endedAt: null, eventCount: 0 };
  }

  get(id: string): PamSession | undefined {
    const row = this.#db
      .prepare<[string], PamSessionRow>('SELECT * FROM pam_sessions WHERE id = ?')
      .get(id);
    return row && toSession(row);
  }

  list(orgId: string): PamSession[] {
    return this.#db
      .prepare<[string], PamSessionRow>(
        'SELECT * FROM pam_sessions WHERE org_id = ? ORDER BY created_at DESC, id',
      )
      .all(orgId)
      .map(toSession);
  }

  /** Sessions not ended and not expired that match `where` (revocation ends them). */
  listOpen(
    where:
      | { identityId: string }
      | { accessTokenId: string }
      | { gatewayId: string }
      | { clientSecretId: string },
    now = Date.now(),
  ): PamSession[] {
    const [condition, value] =
      'identityId' in where
        ? ['identity_id = ?', where.identityId]
        : 'accessTokenId' in where
          ? ['access_token_id = ?', where.accessTokenId]
          : 'gatewayId' in where
            ? ['gateway_id = ?', where.gatewayId]
            : [
                'access_token_id IN (SELECT id FROM identity_access_tokens WHERE client_secret_id = ?)',
                where.clientSecretId,
              ];
    return this.#db
      .prepare<[string, number], PamSessionRow>(
        `SELECT * FROM pam_sessions WHERE ended_at IS NULL AND ${condition} AND expires_at > ?`,
      )
      .all(value, now)
      .map(toSession);
  }

  /** Sets endedAt unless already set; returns the session as it is now. */
  end(id: string, now = Date.now()): PamSession | undefined {
    this.#db
      .prepare('UPDATE pam_sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL')
      .run(now, id);
    return this.get(id);
  }
}

function toSession(row: PamSessionRow): PamSession {
  return {
    id: row.id,
    orgId: row.org_id,
    accountId: row.account_id,
    identityId: row.identity_id,
    gatewayId: row.gateway_id,
    accountPath: row.account_path,
    resourceType: row.resource_type,
    reason: row.reason,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    endedAt: row.ended_at,
    eventCount: row.event_count,
    accessTokenId: row.access_token_id,
  };
}
