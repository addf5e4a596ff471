import type { Migration } from './index.ts';

/**
 * Roles and PAM grants (issue 12).
 *
 * Roles: `admin | member | auditor | relay | gateway` (domain/permissions.ts). Identities that
 * were `member` and own exactly one kind of service become that service's scoped role: the
 * owner of an org relay (and no gateway) becomes `relay`, the owner of a gateway (and no relay)
 * becomes `gateway`. Every other `member` stays a member and keeps what members may do; one that
 * owns both keeps `member` and an admin gives it a role (PATCH /api/v1/identities/:identityId).
 *
 * Grants: `path` is an account path (`prod/orders-db`) or a folder path ending in `/`
 * (`prod/`), which covers every account below it. One grant per identity and path.
 */
export const rolesAndGrants: Migration = {
  version: 5,
  name: 'roles-and-grants',
  sql: `
UPDATE identities SET role = 'relay'
  WHERE role = 'member'
    AND id IN (SELECT identity_id FROM relays WHERE identity_id IS NOT NULL)
    AND id NOT IN (SELECT identity_id FROM gateways);

UPDATE identities SET role = 'gateway'
  WHERE role = 'member'
    AND id IN (SELECT identity_id FROM gateways)
    AND id NOT IN (SELECT identity_id FROM relays WHERE identity_id IS NOT NULL);

CREATE TABLE pam_grants (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  identity_id TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  created_by TEXT,
  created_at INTEGER NOT NULL,
  UNIQUE (identity_id, path)
);
CREATE INDEX pam_grants_org ON pam_grants(org_id);
`,
};
