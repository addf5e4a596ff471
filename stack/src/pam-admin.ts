import { routes, type PlatformClient, type RouteResponse } from '@burrow/platform-api';
import type { DatabaseSessionEvent } from '@burrow/session-recorder';

/**
 * The control plane's PAM administration calls, as the README's curl commands make them: a
 * postgres resource behind a gateway, accounts (username + password, kept encrypted by the
 * control plane) addressed by `<folder>/<name>`, grants, and a session with its recording.
 *
 * @example
 *   const resource = await createPostgresResource(stack.api, { name: 'orders-pg', gatewayId, host: '127.0.0.1', port: pg.port, database: 'orders' });
 *   await createPamAccount(stack.api, { resourceId: resource.id, name: 'orders-db', folderPath: 'prod', username: 'app', password });
 */
export type PamResource = RouteResponse<typeof routes.createPamResource>['resource'];
export type PamAccount = RouteResponse<typeof routes.createPamAccount>['account'];
export type PamGrant = RouteResponse<typeof routes.createPamGrant>['grant'];

/**
 * A session of `GET /api/v1/pam/sessions/:id`. Its events are a database session's
 * (`{timestamp, input, output}`, the recorder's shape; the route itself carries any JSON).
 */
export type PamSessionRecord = Omit<
  RouteResponse<typeof routes.getPamSession>['session'],
  'events'
> & { events: DatabaseSessionEvent[] };

/** Where a postgres resource is: the body of `POST /api/v1/pam/resources` for postgres. */
export interface PostgresResourceInput {
  name: string;
  gatewayId: string;
  host: string;
  port: number;
  database: string;
  sslEnabled?: boolean;
}

/** A PAM account: `<folderPath>/<name>`, the username and password the gateway logs in with. */
export interface PostgresAccountInput {
  resourceId: string;
  name: string;
  folderPath?: string;
  username: string;
  password: string;
}

export async function createPostgresResource(
  api: PlatformClient,
  resource: PostgresResourceInput,
): Promise<PamResource> {
  const { resource: created } = await api.call(routes.createPamResource, {
    body: {
      name: resource.name,
      resourceType: 'postgres',
      gatewayId: resource.gatewayId,
      connectionDetails: {
        host: resource.host,
        port: resource.port,
        database: resource.database,
        sslEnabled: resource.sslEnabled ?? false,
      },
    },
  });
  return created;
}

export async function createPamAccount(
  api: PlatformClient,
  account: PostgresAccountInput,
): Promise<PamAccount> {
  const { account: created } = await api.call(routes.createPamAccount, {
    body: {
      resourceId: account.resourceId,
      name: account.name,
      ...(account.folderPath ? { folderPath: account.folderPath } : {}),
      credentials: { username: account.username, password: account.password },
    },
  });
  return created;
}

/**
 * A postgres resource and its accounts, in order: the README's PostgreSQL flow in one call.
 *
 * @example
 *   await createPostgresAccounts(stack.api, { name: 'orders-pg', gatewayId, host: '127.0.0.1', port, database: 'orders' },
 *     [{ name: 'orders-db', folderPath: 'prod', username: 'app', password }]);
 */
export async function createPostgresAccounts(
  api: PlatformClient,
  resource: PostgresResourceInput,
  accounts: readonly Omit<PostgresAccountInput, 'resourceId'>[],
): Promise<{ resource: PamResource; accounts: PamAccount[] }> {
  const created = await createPostgresResource(api, resource);
  const made: PamAccount[] = [];
  for (const account of accounts)
    made.push(await createPamAccount(api, { ...account, resourceId: created.id }));
  return { resource: created, accounts: made };
}

/** Grants `identityId` PAM access to an account path or a folder (`prod/`). */
export async function grantPamAccess(
  api: PlatformClient,
  identityId: string,
  path: string,
): Promise<PamGrant> {
  const { grant } = await api.call(routes.createPamGrant, { body: { identityId, path } });
  return grant;
}

export async function getPamSession(
  api: PlatformClient,
  sessionId: string,
): Promise<PamSessionRecord> {
  const { session } = await api.call(routes.getPamSession, { params: { sessionId } });
  return session as PamSessionRecord;
}

/** An ssh target: where it is and its pinned host keys (`ssh-ed25519 AAAA…` lines). */
export async function createSshResource(
  api: PlatformClient,
  resource: {
    name: string;
    gatewayId: string;
    host: string;
    port: number;
    hostKeys?: string[];
    hostCertificateAuthorities?: string[];
  },
): Promise<PamResource> {
  const { resource: created } = await api.call(routes.createPamResource, {
    body: {
      name: resource.name,
      resourceType: 'ssh',
      gatewayId: resource.gatewayId,
      connectionDetails: {
        host: resource.host,
        port: resource.port,
        ...(resource.hostKeys ? { hostKeys: resource.hostKeys } : {}),
        ...(resource.hostCertificateAuthorities
          ? { hostCertificateAuthorities: resource.hostCertificateAuthorities }
          : {}),
      },
    },
  });
  return created;
}

/** How the gateway logs in to an ssh account's target. */
export type SshAccountLogin =
  | { authMethod: 'password'; password: string }
  | { authMethod: 'public-key'; privateKey: string }
  | { authMethod: 'certificate' };

/** An ssh account (its password or key kept encrypted by the control plane). */
export async function createSshAccount(
  api: PlatformClient,
  account: {
    resourceId: string;
    name: string;
    folderPath?: string;
    username: string;
    login: SshAccountLogin;
    policyRules?: {
      'command-blocking'?: { patterns: string[] };
      'session-log-masking'?: { patterns: string[] };
    };
  },
): Promise<PamAccount> {
  const { account: created } = await api.call(routes.createPamAccount, {
    body: {
      resourceId: account.resourceId,
      name: account.name,
      ...(account.folderPath ? { folderPath: account.folderPath } : {}),
      credentials: { username: account.username, ...account.login },
      ...(account.policyRules ? { policyRules: account.policyRules } : {}),
    },
  });
  return created;
}

/** The organization's PAM SSH user CA (`ssh-ed25519 AAAA…`), for the target's TrustedUserCAKeys. */
export async function pamSshCaPublicKey(api: PlatformClient, accountId: string): Promise<string> {
  const { publicKey } = await api.call(routes.pamAccountSshCaPublicKey, { params: { accountId } });
  return publicKey;
}
