import { randomUUID } from 'node:crypto';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { Db } from '../db/database.ts';
import type { PamAccountAuthMethod, PamAccountLogin } from '../domain/pam-account-login.ts';
import type { PamPolicyRules } from '../domain/pam-policy-rules.ts';

/**
 * PAM accounts: a username and a login secret for one resource, addressed by
 * `<folderPath>/<name>` (e.g. `prod/orders-db`). The secret (a password, an ssh account's private
 * key, or nothing for certificate accounts) is sealed with the root key (SecretBox, associated data
 * `pam-account:<id>:<password|private-key|certificate>`), so a copied ciphertext does not open in
 * another row or as another kind of secret; it is only opened for the credentials route.
 *
 * @example
 *   const account = store.create({ orgId, resourceId, name: 'orders-db', folderPath: 'prod',
 *     username: 'app', login: { authMethod: undefined, secret: password } });
 *   store.secret(account.id); // only for the session's gateway
 */
export interface PamAccount {
  id: string;
  orgId: string;
  resourceId: string;
  name: string;
  /** '' for the root folder. */
  folderPath: string;
  path: string;
  username: string;
  /** ssh, http and kubernetes accounts; undefined for postgres (a password). */
  authMethod: PamAccountAuthMethod | undefined;
  policyRules: PamPolicyRules | undefined;
  createdAt: number;
}

interface PamAccountRow {
  id: string;
  org_id: string;
  resource_id: string;
  name: string;
  folder_path: string;
  path: string;
  username: string;
  password_sealed: Buffer;
  auth_method: string | null;
  policy_rules: string | null;
  created_at: number;
}

/** The sealed secret's associated data names what it is. */
function secretLabel(accountId: string, authMethod: PamAccountAuthMethod | undefined): string {
  const kind =
    authMethod === 'public-key'
      ? 'private-key'
      : authMethod === 'certificate'
        ? 'certificate'
        : authMethod === 'bearer' || authMethod === 'service-account-token'
          ? 'token'
          : authMethod === 'header'
            ? 'header'
            : 'password';
  return `pam-account:${accountId}:${kind}`;
}

/** `prod` + `orders-db` → `prod/orders-db`; the root folder adds nothing. */
export function accountPath(folderPath: string, name: string): string {
  return folderPath === '' ? name : `${folderPath}/${name}`;
}

export class PamAccountStore {
  readonly #db: Db;
  readonly #secretBox: SecretBox;

  constructor(db: Db, secretBox: SecretBox) {
    this.#db = db;
    this.#secretBox = secretBox;
  }

  create(input: {
    orgId: string;
    resourceId: string;
    name: string;
    folderPath: string;
    username: string;
    login: PamAccountLogin;
    policyRules?: PamPolicyRules | undefined;
  }): PamAccount {
    const id = randomUUID();
    const account: PamAccount = {
      id,
      orgId: input.orgId,
      resourceId: input.resourceId,
      name: input.name,
      folderPath: input.folderPath,
      path: accountPath(input.folderPath, input.name),
      username: input.username,
      authMethod: input.login.authMethod,
      policyRules: input.policyRules,
      createdAt: Date.now(),
    };
    this.#db
      .prepare(
        `INSERT INTO pam_accounts (id, org_id, resource_id, name, folder_path, path, username,
           password_sealed, auth_method, policy_rules, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        account.orgId,
        account.resourceId,
        account.name,
        account.folderPath,
        account.path,
        account.username,
        this.#seal(id, input.login),
        account.authMethod ?? null,
        account.policyRules ? JSON.stringify(account.policyRules) : null,
        account.createdAt,
      );
    return account;
  }

  get(id: string): PamAccount | undefined {
    const row = this.#db
      .prepare<[string], PamAccountRow>('SELECT * FROM pam_accounts WHERE id = ?')
      .get(id);
    return row && toAccount(row);
  }

  findByPath(orgId: string, path: string): PamAccount | undefined {
    const row = this.#db
      .prepare<[string, string], PamAccountRow>(
        'SELECT * FROM pam_accounts WHERE org_id = ? AND path = ?',
      )
      .get(orgId, path);
    return row && toAccount(row);
  }

  list(orgId: string): PamAccount[] {
    return this.#db
      .prepare<[string], PamAccountRow>('SELECT * FROM pam_accounts WHERE org_id = ? ORDER BY path')
      .all(orgId)
      .map(toAccount);
  }

  /** How many accounts use the resource (a resource with accounts is not deleted). */
  countOfResource(resourceId: string): number {
    return (
      this.#db
        .prepare<[string], { n: number }>(
          'SELECT count(*) AS n FROM pam_accounts WHERE resource_id = ?',
        )
        .get(resourceId)?.n ?? 0
    );
  }

  /** How many PAM sessions were opened on the account (their recordings hang on it). */
  sessionCount(id: string): number {
    return (
      this.#db
        .prepare<[string], { n: number }>(
          'SELECT count(*) AS n FROM pam_sessions WHERE account_id = ?',
        )
        .get(id)?.n ?? 0
    );
  }

  /**
   * Deletes the account (its rotation schedule goes with it) and the grants on exactly its path,
   * in one transaction: a later account at that path is not opened to them.
   */
  delete(account: Pick<PamAccount, 'id' | 'orgId' | 'path'>): void {
    this.#db.transaction(() => {
      this.#db
        .prepare('DELETE FROM pam_grants WHERE org_id = ? AND path = ?')
        .run(account.orgId, account.path);
      this.#db.prepare('DELETE FROM pam_accounts WHERE id = ?').run(account.id);
    })();
  }

  /** Replaces the account's login method and sealed secret (rotation); false when there is no such account. */
  setLogin(id: string, login: PamAccountLogin): boolean {
    return (
      this.#db
        .prepare('UPDATE pam_accounts SET password_sealed = ?, auth_method = ? WHERE id = ?')
        .run(this.#seal(id, login), login.authMethod ?? null, id).changes === 1
    );
  }

  /** Replaces the account's policy rules (undefined: none). */
  setPolicyRules(id: string, rules: PamPolicyRules | undefined): boolean {
    return (
      this.#db
        .prepare('UPDATE pam_accounts SET policy_rules = ? WHERE id = ?')
        .run(rules ? JSON.stringify(rules) : null, id).changes === 1
    );
  }

  /**
   * The account's login secret (password or OpenSSH private key; '' for certificate accounts),
   * opened from its sealed column. Never log the result.
   */
  secret(id: string): string | undefined {
    const row = this.#db
      .prepare<[string], Pick<PamAccountRow, 'password_sealed' | 'auth_method'>>(
        'SELECT password_sealed, auth_method FROM pam_accounts WHERE id = ?',
      )
      .get(id);
    if (!row) return undefined;
    const label = secretLabel(
      id,
      (row.auth_method ?? undefined) as PamAccountAuthMethod | undefined,
    );
    return this.#secretBox.open(row.password_sealed, label).toString('utf8');
  }

  #seal(id: string, login: PamAccountLogin): Buffer {
    return this.#secretBox.seal(
      Buffer.from(login.secret, 'utf8'),
      secretLabel(id, login.authMethod),
    );
  }
}

function toAccount(row: PamAccountRow): PamAccount {
  return {
    id: row.id,
    orgId: row.org_id,
    resourceId: row.resource_id,
    name: row.name,
    folderPath: row.folder_path,
    path: row.path,
    username: row.username,
    authMethod: (row.auth_method ?? undefined) as PamAccountAuthMethod | undefined,
    policyRules: row.policy_rules ? (JSON.parse(row.policy_rules) as PamPolicyRules) : undefined,
    createdAt: row.created_at,
  };
}
