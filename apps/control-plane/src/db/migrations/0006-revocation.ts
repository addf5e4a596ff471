import type { Migration } from './index.ts';

/**
 * Revocation (issue 12): deleted identities and relays stay as tombstones (`deleted_at`), so their
 * names, sessions and recordings keep meaning and a deleted relay cannot register again; each PAM
 * session remembers the access token that opened it, so revoking that token ends the session.
 */
export const revocation: Migration = {
  version: 6,
  name: 'revocation',
  sql: `
ALTER TABLE identities ADD COLUMN deleted_at INTEGER;
ALTER TABLE relays ADD COLUMN deleted_at INTEGER;
ALTER TABLE pam_sessions ADD COLUMN access_token_id TEXT;
CREATE INDEX pam_sessions_open ON pam_sessions(ended_at, gateway_id);
`,
};
