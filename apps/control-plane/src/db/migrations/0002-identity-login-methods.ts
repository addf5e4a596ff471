import type { Migration } from './index.ts';

/**
 * The identity-based login methods (kubernetes, aws, gcp, azure, oidc, jwt): one configuration
 * per identity and method, as JSON validated by @burrow/auth-methods. Secrets inside it (the
 * Kubernetes token reviewer JWT) are sealed with the root key before they are stored.
 */
export const identityLoginMethods: Migration = {
  version: 2,
  name: 'identity-login-methods',
  sql: `
CREATE TABLE identity_login_methods (
  identity_id TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  method TEXT NOT NULL,
  config TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (identity_id, method)
);
`,
};
