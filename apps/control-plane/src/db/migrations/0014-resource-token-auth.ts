import type { Migration } from './index.ts';

/**
 * Enrolled gateways and relays (issue 21; reference §7 "Resource auth"):
 *
 * - resource_token_auths: a gateway or relay an admin created with the token auth method, and the
 *   version its access tokens must carry (revoking bumps it, so every earlier token fails).
 * - resource_enrollment_tokens: one-time enrollment tokens, stored as SHA-256 digests; `used_at`
 *   is set by the one enrollment that wins, minting a new token deletes the older ones.
 */
export const resourceTokenAuth: Migration = {
  version: 14,
  name: 'resource-token-auth',
  sql: `
CREATE TABLE resource_token_auths (
  resource_type TEXT NOT NULL CHECK (resource_type IN ('gateway', 'relay')),
  resource_id TEXT NOT NULL,
  org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  token_version INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (resource_type, resource_id)
);

CREATE TABLE resource_enrollment_tokens (
  id TEXT PRIMARY KEY,
  resource_type TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  token_digest TEXT NOT NULL UNIQUE,
  expires_at INTEGER NOT NULL,
  used_at INTEGER,
  created_at INTEGER NOT NULL,
  FOREIGN KEY (resource_type, resource_id)
    REFERENCES resource_token_auths (resource_type, resource_id) ON DELETE CASCADE
);
`,
};
