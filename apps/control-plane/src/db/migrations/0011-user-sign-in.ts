import type { Migration } from './index.ts';

/**
 * Sign-in for people (issue 19): users sign in with email and password (the console, `burrow
 * login --email`) and then act as their organization's *person identity*, so every route keeps the
 * one permission check (domain/permissions.ts) and revocation of identities.
 *
 * - org_memberships.identity_id: the identity the user acts as in that organization (role = the
 *   membership's role). Deleting that identity removes the user from the organization: its tokens
 *   and console sessions stop at once. NULL on instances set up before this migration: created at
 *   the user's next sign-in.
 * - users.failed_sign_ins / locked_until: consecutive wrong passwords; at the limit the account is
 *   locked for a while (new sign-ins are refused until then; issue 19 later kept the user's
 *   existing sessions working, see services/user-accounts.ts).
 * - identity_access_tokens.user_id: the user a token was issued to at sign-in (NULL for machine
 *   logins), so each use checks that the user still exists.
 */
export const userSignIn: Migration = {
  version: 11,
  name: 'user-sign-in',
  sql: `
ALTER TABLE org_memberships ADD COLUMN identity_id TEXT REFERENCES identities(id);
ALTER TABLE users ADD COLUMN failed_sign_ins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until INTEGER;
ALTER TABLE identity_access_tokens ADD COLUMN user_id TEXT REFERENCES users(id);
`,
};
