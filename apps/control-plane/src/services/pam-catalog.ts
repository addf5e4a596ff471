import { ConflictError, InvalidRequestError, NotFoundError } from '../domain/errors.ts';
import type { ConnectionTestRequest } from '@burrow/tunnel-protocol';
import {
  checkAccountLogin,
  headerNameAndToken,
  type PamAccountLogin,
  type PamAccountLoginInput,
} from '../domain/pam-account-login.ts';
import {
  checkConnectionDetails,
  httpRoutingTarget,
  type PamConnectionDetails,
  type PamConnectionDetailsInput,
  type PamResourceType,
} from '../domain/pam-connection-details.ts';
import { checkPolicyRules, type PamPolicyRules } from '../domain/pam-policy-rules.ts';
import { grantCovers } from '../domain/pam-grant-path.ts';
import { authorize, can } from '../domain/permissions.ts';
import type { GatewayStore } from '../stores/gateway-store.ts';
import type { Identity } from '../stores/identity-store.ts';
import { accountPath, type PamAccount, type PamAccountStore } from '../stores/pam-account-store.ts';
import type { PamGrantStore } from '../stores/pam-grant-store.ts';
import type { PamResource, PamResourceStore } from '../stores/pam-resource-store.ts';
import type { AuditLog } from './audit-log.ts';
import type { PamSshCa } from './pam-ssh-ca.ts';
import type { PamConnectionCheck } from './pam-connection-check.ts';

/**
 * What PAM can reach: resources (a target behind one gateway; admins create them) and accounts
 * (credentials for a resource at `<folderPath>/<name>`; admins create them, the password or
 * private key is sealed at rest and never answered). Names are unique per organization (409).
 * Admins and auditors read the whole inventory; a member sees the accounts its grants cover and
 * no resources. Settings are checked against the resource's type when saved
 * (domain/pam-connection-details.ts, pam-account-login.ts, pam-policy-rules.ts): 400 naming the
 * field.
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
  readonly #sshCa: PamSshCa;
  readonly #audit: AuditLog;
  readonly #connectionCheck: PamConnectionCheck | undefined;

  constructor(deps: {
    resources: PamResourceStore;
    accounts: PamAccountStore;
    grants: PamGrantStore;
    gateways: GatewayStore;
    sshCa: PamSshCa;
    /** Every change is recorded there (who, what; never a secret). */
    audit: AuditLog;
    /** Runs `testConnection` requests (issue 16); without it they are refused. */
    connectionCheck?: PamConnectionCheck;
  }) {
    this.#audit = deps.audit;
    this.#connectionCheck = deps.connectionCheck;
    this.#resources = deps.resources;
    this.#accounts = deps.accounts;
    this.#grants = deps.grants;
    this.#gateways = deps.gateways;
    this.#sshCa = deps.sshCa;
  }

  async createResource(
    caller: Identity,
    input: {
      name: string;
      resourceType: PamResourceType;
      gatewayId: string;
      connectionDetails: PamConnectionDetailsInput;
      /** Check the target through the gateway first (see pam-connection-check.ts). */
      testConnection?: boolean | undefined;
    },
  ): Promise<PamResource> {
    authorize(caller, 'pam.inventory.manage');
    const connectionDetails = checkConnectionDetails(input.resourceType, input.connectionDetails);
    const gateway = this.#gateways.get(input.gatewayId);
    if (!gateway || gateway.orgId !== caller.orgId || gateway.deletedAt !== null) {
      throw new NotFoundError(`Gateway ${input.gatewayId} not found`);
    }
    if (this.#resources.findByName(caller.orgId, input.name)) {
      throw new ConflictError(`PAM resource ${input.name} already exists`);
    }
    if (input.testConnection) {
      await this.#check(
        input.gatewayId,
        input.resourceType,
        connectionDetails,
        resourceReachability(input.resourceType, connectionDetails),
        `resource ${input.name}`,
        false,
      );
    }
    const resource = this.#resources.create({
      orgId: caller.orgId,
      name: input.name,
      gatewayId: input.gatewayId,
      resourceType: input.resourceType,
      connectionDetails,
    } as Parameters<PamResourceStore['create']>[0]);
    this.#recordResource(caller, 'create-pam-resource', resource);
    return resource;
  }

  async #check(
    gatewayId: string,
    resourceType: PamResourceType,
    details: PamConnectionDetails,
    request: ConnectionTestRequest,
    what: string,
    withCredentials = true,
  ): Promise<void> {
    if (!this.#connectionCheck) {
      throw new InvalidRequestError('testConnection is not available on this control plane');
    }
    const target =
      'url' in details
        ? httpRoutingTarget(details)
        : { targetHost: details.host, targetPort: details.port };
    await this.#connectionCheck.run(
      gatewayId,
      target,
      request,
      `${resourceType} ${what}`,
      withCredentials,
    );
  }

  /**
   * Replaces a resource's connection settings (admin), checked against its type as at create;
   * sessions opened from now on use them.
   */
  async updateResource(
    caller: Identity,
    resourceId: string,
    input: { connectionDetails: PamConnectionDetailsInput; testConnection?: boolean | undefined },
  ): Promise<PamResource> {
    authorize(caller, 'pam.inventory.manage');
    const resource = this.#resourceOfOrg(caller, resourceId);
    const connectionDetails = checkConnectionDetails(
      resource.resourceType,
      input.connectionDetails,
    );
    if (input.testConnection) {
      await this.#check(
        resource.gatewayId,
        resource.resourceType,
        connectionDetails,
        resourceReachability(resource.resourceType, connectionDetails),
        `resource ${resource.name}`,
        false,
      );
    }
    this.#resources.setConnectionDetails(resource.id, connectionDetails);
    this.#recordResource(caller, 'update-pam-resource', resource);
    return this.#resources.get(resource.id) as PamResource;
  }

  /** Deletes a resource that no account uses (admin); 409 naming how many still do. */
  deleteResource(caller: Identity, resourceId: string): PamResource {
    authorize(caller, 'pam.inventory.manage');
    const resource = this.#resourceOfOrg(caller, resourceId);
    const accounts = this.#accounts.countOfResource(resource.id);
    if (accounts > 0) {
      throw new ConflictError(
        `PAM resource ${resource.name} still has ${accounts} account${accounts === 1 ? '' : 's'}; delete them first`,
      );
    }
    this.#resources.delete(resource.id);
    this.#recordResource(caller, 'delete-pam-resource', resource);
    return resource;
  }

  /**
   * Deletes an account that has no sessions (admin), with the grants on exactly its path. An
   * account with sessions stays: their recordings are evidence and would be deleted with it
   * (rotate its password or revoke its grants instead).
   */
  deleteAccount(caller: Identity, accountId: string): PamAccountView {
    authorize(caller, 'pam.inventory.manage');
    const account = this.#accounts.get(accountId);
    if (!account || account.orgId !== caller.orgId) {
      throw new NotFoundError(`PAM account ${accountId} not found`);
    }
    const sessions = this.#accounts.sessionCount(account.id);
    if (sessions > 0) {
      throw new ConflictError(
        `PAM account ${account.path} has ${sessions} recorded session${sessions === 1 ? '' : 's'}, which are evidence and would be deleted with it; revoke its grants or rotate its password instead`,
      );
    }
    const view = this.#view(account);
    this.#accounts.delete(account);
    this.#recordAccount(caller, 'delete-pam-account', account);
    return view;
  }

  #recordResource(caller: Identity, eventType: string, resource: PamResource): void {
    this.#audit.recordChange(caller, {
      eventType,
      resourceType: 'pam-resource',
      resourceId: resource.id,
      resourceName: resource.name,
      details: { type: resource.resourceType },
    });
  }

  /** The account's path, user and login method: never its secret. */
  #recordAccount(
    caller: Identity,
    eventType: string,
    account: PamAccount,
    more: Record<string, string> = {},
  ): void {
    this.#audit.recordChange(caller, {
      eventType,
      resourceType: 'pam-account',
      resourceId: account.id,
      resourceName: account.path,
      details: {
        username: account.username,
        authMethod: account.authMethod ?? 'password',
        ...more,
      },
    });
  }

  #resourceOfOrg(caller: Identity, resourceId: string): PamResource {
    const resource = this.#resources.get(resourceId);
    if (!resource || resource.orgId !== caller.orgId) {
      throw new NotFoundError(`PAM resource ${resourceId} not found`);
    }
    return resource;
  }

  /** Resources name internal hosts and ports: inventory readers only (admin, auditor). */
  listResources(caller: Identity): PamResource[] {
    authorize(caller, 'pam.inventory.read');
    return this.#resources.list(caller.orgId);
  }

  async createAccount(
    caller: Identity,
    input: {
      resourceId: string;
      name: string;
      folderPath?: string | undefined;
      credentials: PamAccountLoginInput & { username: string };
      policyRules?: PamPolicyRules | undefined;
      /** Log in through the gateway first (see pam-connection-check.ts). */
      testConnection?: boolean | undefined;
    },
  ): Promise<PamAccountView> {
    authorize(caller, 'pam.inventory.manage');
    const { resourceId, name, credentials } = input;
    const folderPath = input.folderPath ?? '';
    const resource = this.#resources.get(resourceId);
    if (!resource || resource.orgId !== caller.orgId) {
      throw new NotFoundError(`PAM resource ${resourceId} not found`);
    }
    const login = checkAccountLogin(resource.resourceType, credentials, credentials.username);
    const policyRules = this.#policyRules(resource, input.policyRules);
    const path = accountPath(folderPath, name);
    if (this.#accounts.findByPath(caller.orgId, path)) {
      throw new ConflictError(`PAM account ${path} already exists`);
    }
    if (input.testConnection) {
      await this.#check(
        resource.gatewayId,
        resource.resourceType,
        resource.connectionDetails,
        accountLoginTest(resource, credentials.username, login, this.#sshCa),
        `account ${path}`,
      );
    }
    const account = this.#accounts.create({
      orgId: caller.orgId,
      resourceId,
      name,
      folderPath,
      username: credentials.username,
      login,
      policyRules,
    });
    this.#recordAccount(caller, 'create-pam-account', account);
    return this.#view(account);
  }

  /**
   * Replaces an account's secret, or switches it to another login method of its resource type,
   * and/or replaces its policy rules (admin). Sessions opened from now on get them; running sessions are not touched
   * (their gateway fetched the credentials when they started).
   */
  updateAccount(
    caller: Identity,
    accountId: string,
    update: {
      credentials?: PamAccountLoginInput | undefined;
      policyRules?: PamPolicyRules | undefined;
    },
  ): PamAccountView {
    authorize(caller, 'pam.inventory.manage');
    const account = this.#accounts.get(accountId);
    const resource = account && this.#resources.get(account.resourceId);
    if (!account || !resource || account.orgId !== caller.orgId) {
      throw new NotFoundError(`PAM account ${accountId} not found`);
    }
    if (update.credentials === undefined && update.policyRules === undefined) {
      throw new InvalidRequestError('Nothing to change: send credentials, policyRules or both');
    }
    // Check everything before changing anything.
    const login =
      update.credentials &&
      checkAccountLogin(
        resource.resourceType,
        {
          ...update.credentials,
          // An account keeps its method unless told otherwise.
          authMethod: update.credentials.authMethod ?? account.authMethod,
        },
        account.username,
      );
    const rules = update.policyRules && this.#policyRules(resource, update.policyRules);
    if (login) this.#accounts.setLogin(account.id, login);
    if (update.policyRules) this.#accounts.setPolicyRules(account.id, rules);
    const updated = this.#accounts.get(account.id) as PamAccount;
    this.#recordAccount(caller, 'update-pam-account', updated, {
      credentialsReplaced: login ? 'yes' : 'no',
      policyRulesReplaced: update.policyRules ? 'yes' : 'no',
    });
    return this.#view(updated);
  }

  /**
   * The organization's PAM SSH user CA public key, for the target of an ssh account
   * (TrustedUserCAKeys): inventory readers.
   */
  sshCaPublicKey(caller: Identity, accountId: string): string {
    authorize(caller, 'pam.inventory.read');
    const account = this.#accounts.get(accountId);
    const resource = account && this.#resources.get(account.resourceId);
    if (!account || !resource || account.orgId !== caller.orgId) {
      throw new NotFoundError(`PAM account ${accountId} not found`);
    }
    if (resource.resourceType !== 'ssh') {
      throw new InvalidRequestError(`PAM account ${account.path} is not an ssh account`);
    }
    return this.#sshCa.publicKey(caller.orgId);
  }

  #policyRules(
    resource: PamResource,
    rules: PamPolicyRules | undefined,
  ): PamPolicyRules | undefined {
    if (rules === undefined) return undefined;
    if (resource.resourceType !== 'ssh') {
      throw new InvalidRequestError('policyRules are settings of ssh accounts');
    }
    return checkPolicyRules(rules);
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

/** What checking a new resource means: can the gateway reach it (no credentials yet). */
function resourceReachability(
  resourceType: PamResourceType,
  details: PamConnectionDetails,
): ConnectionTestRequest {
  if ('url' in details && resourceType === 'http') {
    return { mode: 'http', url: details.testPath ?? '/', ...tlsOf(details) };
  }
  // A Kubernetes API answers /api without a token with 401: reachable is all a resource can show.
  return { mode: 'tcp' };
}

/** What checking a new account means: logging in with its credentials. */
function accountLoginTest(
  resource: PamResource,
  username: string,
  login: PamAccountLogin,
  sshCa: PamSshCa,
): ConnectionTestRequest {
  const details = resource.connectionDetails;
  if (resource.resourceType === 'ssh') {
    // The gateway logs in as a session would: the resource's pinned host keys / host CAs first.
    const { hostKeys, hostCertificateAuthorities } = resource.connectionDetails;
    const pins = {
      ...(hostKeys?.length ? { hostKeys } : {}),
      ...(hostCertificateAuthorities?.length ? { hostCertificateAuthorities } : {}),
    };
    if (login.authMethod === 'certificate') {
      const pair = sshCa.loginTestCertificate({ orgId: resource.orgId, username });
      return { mode: 'ssh', username, authMethod: 'certificate', ...pair, ...pins };
    }
    return login.authMethod === 'public-key'
      ? { mode: 'ssh', username, authMethod: 'public-key', privateKey: login.secret, ...pins }
      : { mode: 'ssh', username, authMethod: 'password', password: login.secret, ...pins };
  }
  if (resource.resourceType === 'postgres' && 'database' in details) {
    return {
      mode: 'sql',
      dialect: 'postgres',
      username,
      password: login.secret,
      database: details.database,
      sslEnabled: details.sslEnabled ?? false,
      sslRejectUnauthorized: details.sslRejectUnauthorized ?? true,
      ...(details.sslCertificate ? { sslCertificate: details.sslCertificate } : {}),
    };
  }
  if (resource.resourceType === 'kubernetes' && 'url' in details) {
    return { mode: 'kubernetes', token: login.secret, ...tlsOf(details) };
  }
  if (resource.resourceType === 'http' && 'url' in details) {
    const header =
      login.authMethod === 'header'
        ? (() => {
            const { headerName, token } = headerNameAndToken(login.secret);
            return { [headerName]: token };
          })()
        : login.authMethod === 'bearer'
          ? { Authorization: `Bearer ${login.secret}` }
          : {
              Authorization: `Basic ${Buffer.from(`${username}:${login.secret}`).toString('base64')}`,
            };
    return { mode: 'http', url: details.testPath ?? '/', headers: header, ...tlsOf(details) };
  }
  return { mode: 'tcp' };
}

function tlsOf(details: { sslRejectUnauthorized?: boolean; sslCertificate?: string }) {
  return {
    ...(details.sslRejectUnauthorized !== undefined
      ? { sslRejectUnauthorized: details.sslRejectUnauthorized }
      : {}),
    ...(details.sslCertificate ? { sslCertificate: details.sslCertificate } : {}),
  };
}
