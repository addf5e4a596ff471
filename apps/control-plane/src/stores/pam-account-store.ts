import { randomUUID } from 'node:crypto';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { Db } from '../db/database.ts';

/**
 * PAM accounts: a username and password for one resource, addressed by `<folderPath>/<name>`
 * (e.g. `prod/orders-db`). The password is sealed with the root key (SecretBox, associated data
 * `pam-account:<id>:password`), so a copied ciphertext does not open in another row; it is
 * only opened for the credentials route.
 *
 * @example
 *   const account = store.create({ orgId, resourceId, name: 'orders-db', folderPath: 'prod',
 *     username: 'app', password });
 *   store.password(account.id); // only for the session's gateway
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
  created_at: number;
}

const passwordLabel = (accountId: string) => `pam-account:${accountId}:password`;

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
    password: string;
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
      createdAt: Date.now(),
    };
    const sealed = this.#secretBox.seal(Buffer.from(input.password, 'utf8'), passwordLabel(id));
    this.#db
      .prepare(
        `INSERT INTO pam_accounts (id, org_id, resource_id, name, folder_path, path, username, password_sealed, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        account.orgId,
        account.resourceId,
        account.name,
        account.folderPath,
        account.path,
        account.username,
        sealed,
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

  /** Replaces the account's sealed password (rotation); false when there is no such account. */
  setPassword(id: string, password: string): boolean {
    const sealed = this.#secretBox.seal(Buffer.from(password, 'utf8'), passwordLabel(id));
    return (
      this.#db.prepare('UPDATE pam_accounts SET password_sealed = ? WHERE id = ?').run(sealed, id)
        .changes === 1
    );
  }

  /** The account's password, opened from its sealed column. Never log the result. */
  password(id: string): string | undefined {
    const row = this.#db
      .prepare<[string], Pick<PamAccountRow, 'password_sealed'>>(
        'SELECT password_sealed FROM pam_accounts WHERE id = ?',
      )
      .get(id);
    return row && this.#secretBox.open(row.password_sealed, passwordLabel(id)).toString('utf8');
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
    createdAt: row.created_at,
  };
}
