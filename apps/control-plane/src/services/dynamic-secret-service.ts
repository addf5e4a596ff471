import {
  ConflictError,
  ForbiddenError,
  InvalidRequestError,
  NotFoundError,
} from '../domain/errors.ts';
import { parseDurationSeconds } from '../domain/duration-string.ts';
import { authorize, can } from '../domain/permissions.ts';
import {
  checkDatabaseName,
  checkTemplate,
  DEFAULT_STATEMENTS,
} from '../domain/statement-template.ts';
import type {
  DynamicSecretGrant,
  DynamicSecretGrantStore,
} from '../stores/dynamic-secret-grant-store.ts';
import type { DynamicSecretLeaseStore } from '../stores/dynamic-secret-lease-store.ts';
import type {
  DynamicSecret,
  DynamicSecretInput,
  DynamicSecretStore,
} from '../stores/dynamic-secret-store.ts';
import type { GatewayStore } from '../stores/gateway-store.ts';
import type { Identity } from '../stores/identity-store.ts';
import type { DynamicSecretDatabase } from './dynamic-secret-database.ts';
import type { IdentityDirectory } from './identity-directory.ts';
import type { PostgresTarget } from './postgres-through-gateway.ts';

/**
 * Dynamic-secret configurations and who may lease them. Saving (create or change) checks the
 * statements against the real database through the gateway first (DynamicSecretDatabase.check):
 * a configuration that cannot make and drop a role is refused then, not at the first lease.
 *
 * Visibility: admins and auditors see every secret of their organization; a member sees the
 * ones it has a grant on, and for any other name gets the same 403 whether the secret exists or
 * not. Another organization's secrets do not exist for the caller (404).
 *
 * @example
 *   const secret = await service.create(admin, { name: 'orders-ro', provider, defaultTTL: '1h' });
 *   service.grant(admin, 'orders-ro', alice.id);
 */
export interface SqlDatabaseInputsInput {
  client: 'postgres';
  gatewayId: string;
  host: string;
  port: number;
  database: string;
  username: string;
  password: string;
  creationStatement?: string | undefined;
  revocationStatement?: string | undefined;
  renewStatement?: string | undefined;
  ca?: string | undefined;
}

export interface CreateDynamicSecretInput {
  name: string;
  provider: { type: 'sql-database'; inputs: SqlDatabaseInputsInput };
  defaultTTL: string;
  maxTTL?: string | null | undefined;
}

export interface UpdateDynamicSecretInput {
  defaultTTL?: string | undefined;
  maxTTL?: string | null | undefined;
  inputs?:
    | Partial<
        Pick<
          SqlDatabaseInputsInput,
          | 'host'
          | 'port'
          | 'database'
          | 'username'
          | 'password'
          | 'creationStatement'
          | 'revocationStatement'
          | 'renewStatement'
        >
      >
    | undefined;
}

export class DynamicSecretService {
  readonly #secrets: DynamicSecretStore;
  readonly #grants: DynamicSecretGrantStore;
  readonly #leases: DynamicSecretLeaseStore;
  readonly #gateways: GatewayStore;
  readonly #directory: IdentityDirectory;
  readonly #database: DynamicSecretDatabase;

  constructor(deps: {
    secrets: DynamicSecretStore;
    grants: DynamicSecretGrantStore;
    leases: DynamicSecretLeaseStore;
    gateways: GatewayStore;
    directory: IdentityDirectory;
    database: DynamicSecretDatabase;
  }) {
    this.#secrets = deps.secrets;
    this.#grants = deps.grants;
    this.#leases = deps.leases;
    this.#gateways = deps.gateways;
    this.#directory = deps.directory;
    this.#database = deps.database;
  }

  async create(caller: Identity, input: CreateDynamicSecretInput): Promise<DynamicSecret> {
    authorize(caller, 'dynamic-secrets.manage');
    const { inputs } = input.provider;
    const gateway = this.#gateways.get(inputs.gatewayId);
    if (!gateway || gateway.orgId !== caller.orgId || gateway.deletedAt !== null) {
      throw new NotFoundError(`Gateway ${inputs.gatewayId} not found`);
    }
    if (this.#secrets.findByName(caller.orgId, input.name)) {
      throw new ConflictError(`A dynamic secret named ${input.name} already exists`);
    }
    const config: DynamicSecretInput = {
      orgId: caller.orgId,
      name: input.name,
      gatewayId: gateway.id,
      host: inputs.host,
      port: inputs.port,
      database: inputs.database,
      adminUsername: inputs.username,
      adminPassword: inputs.password,
      ca: inputs.ca ?? null,
      creationStatement: inputs.creationStatement ?? DEFAULT_STATEMENTS.creationStatement,
      revocationStatement: inputs.revocationStatement ?? DEFAULT_STATEMENTS.revocationStatement,
      renewStatement: inputs.renewStatement ?? DEFAULT_STATEMENTS.renewStatement,
      ...ttls(input.defaultTTL, input.maxTTL),
    };
    await this.#checkConfig(config);
    const secret = this.#secrets.create(config);
    if (!secret) throw new ConflictError(`A dynamic secret named ${input.name} already exists`);
    return secret;
  }

  async update(
    caller: Identity,
    name: string,
    data: UpdateDynamicSecretInput,
  ): Promise<DynamicSecret> {
    authorize(caller, 'dynamic-secrets.manage');
    const secret = this.#find(caller, name);
    const inputs = data.inputs ?? {};
    const config: DynamicSecretInput = {
      ...secret,
      host: inputs.host ?? secret.host,
      port: inputs.port ?? secret.port,
      database: inputs.database ?? secret.database,
      adminUsername: inputs.username ?? secret.adminUsername,
      adminPassword: inputs.password ?? this.#secrets.adminPassword(secret.id),
      creationStatement: inputs.creationStatement ?? secret.creationStatement,
      revocationStatement: inputs.revocationStatement ?? secret.revocationStatement,
      renewStatement: inputs.renewStatement ?? secret.renewStatement,
      ...ttls(
        data.defaultTTL ?? `${secret.defaultTtlSeconds}`,
        data.maxTTL === undefined
          ? secret.maxTtlSeconds === null
            ? null
            : `${secret.maxTtlSeconds}`
          : data.maxTTL,
      ),
    };
    await this.#checkConfig(config);
    return this.#secrets.update(secret.id, config) as DynamicSecret;
  }

  delete(caller: Identity, name: string): DynamicSecret {
    authorize(caller, 'dynamic-secrets.manage');
    const secret = this.#find(caller, name);
    const live = this.#leases.countLive(secret.id);
    if (live > 0) {
      throw new ConflictError(
        `Dynamic secret ${name} has ${live} lease(s) not revoked yet; revoke them first (their roles would be left in the database)`,
      );
    }
    this.#secrets.delete(secret.id);
    return secret;
  }

  list(caller: Identity): DynamicSecret[] {
    const all = this.#secrets.list(caller.orgId);
    if (can(caller, 'dynamic-secrets.read-any')) return all;
    authorize(caller, 'dynamic-secrets.lease');
    return all.filter((secret) => this.#grants.has(secret.id, caller.id));
  }

  /** One secret the caller may see (members: only with a grant; same 403 whether it exists or not). */
  get(caller: Identity, name: string): DynamicSecret {
    if (can(caller, 'dynamic-secrets.read-any')) return this.#find(caller, name);
    return this.requireLeasable(caller, name);
  }

  /**
   * The secret `name` if the caller may lease it: admins always, members with a grant. A member
   * without one gets a 403 that does not tell whether the secret exists.
   */
  requireLeasable(caller: Identity, name: string): DynamicSecret {
    authorize(caller, 'dynamic-secrets.lease');
    const secret = this.#secrets.findByName(caller.orgId, name);
    if (can(caller, 'dynamic-secrets.lease.any')) {
      if (!secret) throw new NotFoundError(`Dynamic secret ${name} not found`);
      return secret;
    }
    if (!secret || !this.#grants.has(secret.id, caller.id)) {
      throw new ForbiddenError(
        `No grant gives this identity the dynamic secret ${name}; an admin can grant it (POST /api/v1/dynamic-secrets/${name}/grants)`,
      );
    }
    return secret;
  }

  grant(
    caller: Identity,
    name: string,
    identityId: string,
  ): { grant: DynamicSecretGrant; secret: DynamicSecret } {
    authorize(caller, 'dynamic-secrets.manage');
    const secret = this.#find(caller, name);
    const grantee = this.#directory.grantee(
      caller,
      identityId,
      'dynamic-secrets.lease',
      'lease dynamic secrets',
    );
    const grant = this.#grants.create({
      orgId: caller.orgId,
      dynamicSecretId: secret.id,
      identityId: grantee.id,
      createdBy: caller.id,
    });
    if (!grant) throw new ConflictError(`Identity ${grantee.id} already has a grant on ${name}`);
    return { grant, secret };
  }

  listGrants(
    caller: Identity,
    name: string,
  ): { grants: DynamicSecretGrant[]; secret: DynamicSecret } {
    authorize(caller, 'dynamic-secrets.manage');
    const secret = this.#find(caller, name);
    return { grants: this.#grants.listFor(secret.id), secret };
  }

  revokeGrant(
    caller: Identity,
    name: string,
    grantId: string,
  ): { grant: DynamicSecretGrant; secret: DynamicSecret } {
    authorize(caller, 'dynamic-secrets.manage');
    const secret = this.#find(caller, name);
    const grant = this.#grants.get(grantId);
    if (!grant || grant.dynamicSecretId !== secret.id)
      throw new NotFoundError(`Grant ${grantId} not found`);
    this.#grants.delete(grant.id);
    return { grant, secret };
  }

  /** Where and as whom the control plane reaches the secret's database. */
  adminTarget(secret: DynamicSecret): PostgresTarget {
    return {
      gatewayId: secret.gatewayId,
      host: secret.host,
      port: secret.port,
      database: secret.database,
      username: secret.adminUsername,
      password: this.#secrets.adminPassword(secret.id),
      ca: secret.ca,
    };
  }

  byId(id: string): DynamicSecret | undefined {
    return this.#secrets.get(id);
  }

  #find(caller: Identity, name: string): DynamicSecret {
    const secret = this.#secrets.findByName(caller.orgId, name);
    if (!secret) throw new NotFoundError(`Dynamic secret ${name} not found`);
    return secret;
  }

  async #checkConfig(config: DynamicSecretInput): Promise<void> {
    checkDatabaseName(config.database);
    checkTemplate('creationStatement', config.creationStatement, ['username', 'password']);
    checkTemplate('revocationStatement', config.revocationStatement, ['username']);
    checkTemplate('renewStatement', config.renewStatement, ['username', 'expiration']);
    await this.#database.check(
      {
        gatewayId: config.gatewayId,
        host: config.host,
        port: config.port,
        database: config.database,
        username: config.adminUsername,
        password: config.adminPassword,
        ca: config.ca,
      },
      config,
    );
  }
}

function ttls(defaultTTL: string, maxTTL: string | null | undefined) {
  const defaultTtlSeconds = parseDurationSeconds(defaultTTL, 'defaultTTL');
  const maxTtlSeconds =
    maxTTL === null || maxTTL === undefined ? null : parseDurationSeconds(maxTTL, 'maxTTL');
  if (maxTtlSeconds !== null && defaultTtlSeconds > maxTtlSeconds) {
    throw new InvalidRequestError('defaultTTL must not be longer than maxTTL');
  }
  return { defaultTtlSeconds, maxTtlSeconds };
}
