import type { Migration } from './index.ts';

/**
 * SSH accounts (issue 15): `auth_method` says how the gateway logs in to an ssh account's target
 * (`password`, `public-key`, `certificate`; NULL for postgres accounts, which always use a
 * password), and `password_sealed` now holds the account's login secret for that method: the
 * password (SecretBox associated data `pam-account:<id>:password`), the OpenSSH private key
 * (`pam-account:<id>:private-key`) or, for certificate accounts, an empty value
 * (`pam-account:<id>:certificate`: the key pair and certificate are made per session). The
 * associated data follows the method, so a secret sealed as one never opens as another.
 * `policy_rules`: the account's command-blocking and log-masking patterns as JSON, or NULL.
 *
 * The organization's PAM SSH user CA is a `certificate_authorities` row of kind `pam-ssh-user`.
 */
export const pamSshAccounts: Migration = {
  version: 9,
  name: 'pam-ssh-accounts',
  sql: `
ALTER TABLE pam_accounts ADD COLUMN auth_method TEXT;
ALTER TABLE pam_accounts ADD COLUMN policy_rules TEXT;
`,
};
