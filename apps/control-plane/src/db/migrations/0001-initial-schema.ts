import type { Migration } from './index.ts';

/**
 * Organizations, users, machine identities and their login methods, access tokens, certificate
 * authorities, relays and gateways. Times are epoch milliseconds; JSON columns hold arrays or
 * objects as text.
 */
export const initialSchema: Migration = {
  version: 1,
  name: 'initial-schema',
  sql: `
CREATE TABLE instance_settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE organizations (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  slug TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE COLLATE NOCASE,
  password_hash TEXT NOT NULL,
  super_admin INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);

CREATE TABLE org_memberships (
  org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (org_id, user_id)
);

CREATE TABLE identities (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX identities_org ON identities(org_id);

CREATE TABLE identity_universal_auths (
  identity_id TEXT PRIMARY KEY REFERENCES identities(id) ON DELETE CASCADE,
  client_id TEXT NOT NULL UNIQUE,
  access_token_ttl INTEGER NOT NULL,
  access_token_max_ttl INTEGER NOT NULL,
  access_token_num_uses_limit INTEGER NOT NULL,
  access_token_trusted_ips TEXT NOT NULL,
  client_secret_trusted_ips TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE identity_ua_client_secrets (
  id TEXT PRIMARY KEY,
  identity_id TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  description TEXT NOT NULL,
  client_secret_prefix TEXT NOT NULL,
  client_secret_digest TEXT NOT NULL UNIQUE,
  client_secret_ttl INTEGER NOT NULL,
  client_secret_num_uses_limit INTEGER NOT NULL,
  client_secret_num_uses INTEGER NOT NULL DEFAULT 0,
  is_client_secret_revoked INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX identity_ua_client_secrets_identity ON identity_ua_client_secrets(identity_id);

CREATE TABLE identity_token_auths (
  identity_id TEXT PRIMARY KEY REFERENCES identities(id) ON DELETE CASCADE,
  access_token_ttl INTEGER NOT NULL,
  access_token_max_ttl INTEGER NOT NULL,
  access_token_num_uses_limit INTEGER NOT NULL,
  access_token_trusted_ips TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE identity_access_tokens (
  id TEXT PRIMARY KEY,
  identity_id TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  auth_method TEXT NOT NULL,
  name TEXT,
  token_digest TEXT NOT NULL UNIQUE,
  access_token_ttl INTEGER NOT NULL,
  access_token_max_ttl INTEGER NOT NULL,
  access_token_num_uses_limit INTEGER NOT NULL,
  access_token_num_uses INTEGER NOT NULL DEFAULT 0,
  access_token_trusted_ips TEXT NOT NULL,
  client_secret_id TEXT REFERENCES identity_ua_client_secrets(id) ON DELETE SET NULL,
  is_revoked INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  last_renewed_at INTEGER,
  last_used_at INTEGER
);
CREATE INDEX identity_access_tokens_identity ON identity_access_tokens(identity_id);

CREATE TABLE certificate_authorities (
  id TEXT PRIMARY KEY,
  scope TEXT NOT NULL,
  kind TEXT NOT NULL,
  key_algorithm TEXT NOT NULL,
  certificate TEXT,
  public_key TEXT,
  encrypted_private_key BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (scope, kind)
);

CREATE TABLE relays (
  id TEXT PRIMARY KEY,
  org_id TEXT REFERENCES organizations(id) ON DELETE CASCADE,
  identity_id TEXT REFERENCES identities(id) ON DELETE SET NULL,
  name TEXT NOT NULL,
  host TEXT NOT NULL,
  ssh_port INTEGER NOT NULL,
  tls_port INTEGER NOT NULL,
  heartbeat INTEGER,
  health_alerted_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX relays_org_name ON relays(org_id, name) WHERE org_id IS NOT NULL;
CREATE UNIQUE INDEX relays_instance_name ON relays(name) WHERE org_id IS NULL;

CREATE TABLE gateways (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  identity_id TEXT NOT NULL UNIQUE REFERENCES identities(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  relay_id TEXT REFERENCES relays(id) ON DELETE SET NULL,
  heartbeat INTEGER,
  heartbeat_ttl INTEGER,
  capabilities TEXT,
  deleted_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX gateways_org_name ON gateways(org_id, name) WHERE deleted_at IS NULL;
`,
};
