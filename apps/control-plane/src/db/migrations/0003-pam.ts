import type { Migration } from './index.ts';

/**
 * PAM (docs/pam-contract.md): resources behind gateways, accounts with sealed passwords addressed
 * by folder path, sessions with their recorded events (one row per event index, so an event
 * batch sent twice is stored once), and each gateway's sealed key for its local recordings.
 * Sealed columns hold SecretBox output under the root key.
 */
export const pamSchema: Migration = {
  version: 3,
  name: 'pam',
  sql: `
CREATE TABLE pam_resources (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  gateway_id TEXT NOT NULL REFERENCES gateways(id),
  connection_details TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (org_id, name)
);

CREATE TABLE pam_accounts (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  resource_id TEXT NOT NULL REFERENCES pam_resources(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  folder_path TEXT NOT NULL,
  path TEXT NOT NULL,
  username TEXT NOT NULL,
  password_sealed BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (org_id, path)
);

CREATE TABLE pam_sessions (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  account_id TEXT NOT NULL REFERENCES pam_accounts(id) ON DELETE CASCADE,
  identity_id TEXT NOT NULL,
  gateway_id TEXT NOT NULL,
  account_path TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  reason TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  ended_at INTEGER,
  event_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX pam_sessions_org ON pam_sessions(org_id, created_at);

CREATE TABLE pam_session_events (
  session_id TEXT NOT NULL REFERENCES pam_sessions(id) ON DELETE CASCADE,
  event_index INTEGER NOT NULL,
  event TEXT NOT NULL,
  PRIMARY KEY (session_id, event_index)
) WITHOUT ROWID;

CREATE TABLE gateway_pam_session_keys (
  gateway_id TEXT PRIMARY KEY REFERENCES gateways(id) ON DELETE CASCADE,
  key_sealed BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
`,
};
