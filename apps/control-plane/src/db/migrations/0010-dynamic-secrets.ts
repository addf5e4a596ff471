import type { Migration } from './index.ts';

/**
 * Dynamic secrets, their leases and grants, PAM password rotation, and the audit log (issue 17).
 *
 * - dynamic_secrets: one PostgreSQL configuration per row; the admin password is sealed
 *   (`dynamic-secret:<id>:admin-password`). TTLs in seconds (max_ttl NULL = no maximum).
 * - dynamic_secret_leases: the persistent schedule. A lease is written *before* its role is
 *   created, so a control plane that dies in between still revokes it at expiry.
 *   status: active → revoked, or active → revocation pending (retried at next_attempt_at with
 *   backoff) → revoked. The sweeper reads `expire_at` and `next_attempt_at`, so a restart loses
 *   nothing.
 * - pam_account_rotations: schedule and last outcome per PAM account (no row = never set up).
 * - audit_events: append-only; `details` is JSON without secrets.
 */
export const dynamicSecrets: Migration = {
  version: 10,
  name: 'dynamic-secrets',
  sql: `
CREATE TABLE dynamic_secrets (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  gateway_id TEXT NOT NULL,
  host TEXT NOT NULL,
  port INTEGER NOT NULL,
  database_name TEXT NOT NULL,
  admin_username TEXT NOT NULL,
  admin_password_sealed BLOB NOT NULL,
  ca TEXT,
  creation_statement TEXT NOT NULL,
  revocation_statement TEXT NOT NULL,
  renew_statement TEXT NOT NULL,
  default_ttl_seconds INTEGER NOT NULL,
  max_ttl_seconds INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (org_id, name)
);

CREATE TABLE dynamic_secret_grants (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  dynamic_secret_id TEXT NOT NULL REFERENCES dynamic_secrets(id) ON DELETE CASCADE,
  identity_id TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  created_by TEXT,
  created_at INTEGER NOT NULL,
  UNIQUE (dynamic_secret_id, identity_id)
);

CREATE TABLE dynamic_secret_leases (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  dynamic_secret_id TEXT NOT NULL REFERENCES dynamic_secrets(id),
  identity_id TEXT NOT NULL,
  username TEXT NOT NULL,
  status TEXT NOT NULL,
  status_details TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  expire_at INTEGER NOT NULL,
  revoke_attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  revoked_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX dynamic_secret_leases_due ON dynamic_secret_leases(status, expire_at);
CREATE INDEX dynamic_secret_leases_secret ON dynamic_secret_leases(dynamic_secret_id);

CREATE TABLE pam_account_rotations (
  account_id TEXT PRIMARY KEY REFERENCES pam_accounts(id) ON DELETE CASCADE,
  enabled INTEGER NOT NULL DEFAULT 0,
  interval_seconds INTEGER,
  next_rotation_at INTEGER,
  last_rotated_at INTEGER,
  status TEXT,
  message TEXT
);

CREATE TABLE audit_events (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  actor_type TEXT NOT NULL,
  actor_identity_id TEXT,
  actor_name TEXT,
  resource_type TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  resource_name TEXT NOT NULL,
  outcome TEXT NOT NULL,
  details TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX audit_events_org_time ON audit_events(org_id, created_at);
`,
};
