import { ConflictError, NotFoundError } from '../domain/errors.ts';
import { grantCovers } from '../domain/pam-grant-path.ts';
import { authorize, can } from '../domain/permissions.ts';
import type { GatewayStore } from '../stores/gateway-store.ts';
import type { Identity } from '../stores/identity-store.ts';
import { accountPath, type PamAccount, type PamAccountStore } from '../stores/pam-account-store.ts';
import type { PamGrantStore } from '../stores/pam-grant-store.ts';
import type {
  PamConnectionDetails,
  PamResource,
  PamResourceStore,
} from '../stores/pam-resource-store.ts';

/**
 * What PAM can reach: resources (a target behind one gateway; admins create them) and accounts
 * (credentials for a resource at `<folderPath>/<name>`; admins create them, the password is sealed
 * at rest and never answered). Names are unique per organization (409). Admins and auditors
 * read the whole inventory; a member sees the accounts its grants cover and no resources.
 *
 * @example
 *   const account = catalog.createAccount(caller, { resourceId, name: 'orders-db', folderPath: 'prod', credentials });
 */
export interface PamAccountView {
  account: PamAccount;
  /** The resource's type, 'unknown' if the resource is gone. */
  resourceType: string;
}

export class PamCatalog {
  readonly #resources: PamResourceStore;
  readonly #accounts: PamAccountStore;
  readonly #grants: PamGrantStore;
  readonly #gateways: GatewayStore;

  constructor(deps: {
    resources: PamResourceStore;
    accounts: PamAccountStore;
    grants: PamGrantStore;
    gateways: GatewayStore;
  }) {
    this.#resources = deps.resources;
    this.#accounts = deps.accounts;
    this.#grants = deps.grants;
    this.#gateways = deps.gateways;
  }

  createResource(
    caller: Identity,
    input: {
      name: string;
      resourceType: string;
      gatewayId: string;
      connectionDetails: PamConnectionDetails;
    },
  ): PamResource {
    authorize(caller, 'pam.inventory.manage');
    const gateway = this.#gateways.get(input.gatewayId);
    if (!gateway || gateway.orgId !== caller.orgId || gateway.deletedAt !== null) {
      throw new NotFoundError(`Gateway ${input.gatewayId} not found`);
    }
    if (this.#resources.findByName(caller.orgId, input.name)) {
      throw new ConflictError(`PAM resource ${input.name} already exists`);
    }
    return this.#resources.create({ orgId: caller.orgId, ...input });
  }

  /** Resources name internal hosts and ports: inventory readers only (admin, auditor). */
  listResources(caller: Identity): PamResource[] {
    authorize(caller, 'pam.inventory.read');
    return this.#resources.list(caller.orgId);
  }

  createAccount(
    caller: Identity,
    input: {
      resourceId: string;
      name: string;
      folderPath?: string | undefined;
      credentials: { username: string; password: string };
    },
  ): PamAccountView {
    authorize(caller, 'pam.inventory.manage');
    const { resourceId, name, credentials } = input;
    const folderPath = input.folderPath ?? '';
    const resource = this.#resources.get(resourceId);
    if (!resource || resource.orgId !== caller.orgId) {
      throw new NotFoundError(`PAM resource ${resourceId} not found`);
    }
    const path = accountPath(folderPath, name);
    if (this.#accounts.findByPath(caller.orgId, path)) {
      throw new ConflictError(`PAM account ${path} already exists`);
    }
    const account = this.#accounts.create({
      orgId: caller.orgId,
      resourceId,
      name,
      folderPath,
      username: credentials.username,
      password: credentials.password,
    });
    return this.#view(account);
  }

  /**
   * Rotates an account's password (admin). Sessions opened from now on get the new one; running
   * sessions are not touched (their gateway fetched the credentials when they started).
   */
  rotatePassword(caller: Identity, accountId: string, password: string): PamAccountView {
    authorize(caller, 'pam.inventory.manage');
    const account = this.#accounts.get(accountId);
    if (!account || account.orgId !== caller.orgId) {
      throw new NotFoundError(`PAM account ${accountId} not found`);
    }
    this.#accounts.setPassword(account.id, password);
    return this.#view(account);
  }

  /**
   * Every account for inventory readers (admin, auditor); for a member, the accounts its grants
   * cover: what `burrow pam access` will open for it.
   */
  listAccounts(caller: Identity): PamAccountView[] {
    let accounts = this.#accounts.list(caller.orgId);
    if (!can(caller, 'pam.inventory.read')) {
      authorize(caller, 'pam.access');
      const granted = this.#grants.pathsOf(caller.id);
      accounts = accounts.filter((account) =>
        granted.some((path) => grantCovers(path, account.path)),
      );
    }
    return accounts.map((account) => this.#view(account));
  }

  #view(account: PamAccount): PamAccountView {
    return {
      account,
      resourceType: this.#resources.get(account.resourceId)?.resourceType ?? 'unknown',
    };
  }
}
