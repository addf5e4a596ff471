import type { ControlPlaneClient } from './control-plane-client.ts';

/**
 * The control plane's PAM administration calls (docs/pam-contract.md), as the README's curl
 * commands make them: a postgres resource behind a gateway, and accounts (username + password,
 * kept encrypted by the control plane) addressed by `<folder>/<name>`.
 *
 * @example
 *   const resource = await createPostgresResource(stack.api, { name: 'orders-pg', gatewayId, host: '127.0.0.1', port: pg.port, database: 'orders' });
 *   await createPamAccount(stack.api, { resourceId: resource.id, name: 'orders-db', folderPath: 'prod', username: 'app', password });
 */
export interface PamResource {
  id: string;
  name: string;
  resourceType: string;
  gatewayId: string;
}

export interface PamAccount {
  id: string;
  name: string;
  path: string;
  resourceId: string;
  resourceType?: string;
}

export interface PamSessionEvent {
  timestamp: string;
  input: string;
  output: string;
}

export interface PamSessionRecord {
  id: string;
  accountPath?: string;
  resourceType?: string;
  status: string;
  reason?: string | null;
  createdAt?: string;
  endedAt?: string | null;
  expiresAt?: string | null;
  eventCount?: number;
  events?: PamSessionEvent[];
  /** What the control plane knows is missing from the recording. */
  recordingProblems?: string[];
}

export async function createPostgresResource(
  api: ControlPlaneClient,
  resource: {
    name: string;
    gatewayId: string;
    host: string;
    port: number;
    database: string;
    sslEnabled?: boolean;
  },
): Promise<PamResource> {
  const { resource: created } = await api.request<{ resource: PamResource }>(
    'POST',
    '/v1/pam/resources',
    {
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
  );
  return created;
}

export async function createPamAccount(
  api: ControlPlaneClient,
  account: {
    resourceId: string;
    name: string;
    folderPath?: string;
    username: string;
    password: string;
  },
): Promise<PamAccount> {
  const { account: created } = await api.request<{ account: PamAccount }>(
    'POST',
    '/v1/pam/accounts',
    {
      resourceId: account.resourceId,
      name: account.name,
      ...(account.folderPath ? { folderPath: account.folderPath } : {}),
      credentials: { username: account.username, password: account.password },
    },
  );
  return created;
}

/** Grants `identityId` PAM access to an account path or a folder (`prod/`). */
export async function grantPamAccess(
  api: ControlPlaneClient,
  identityId: string,
  path: string,
): Promise<{ id: string; identityId: string; path: string }> {
  const { grant } = await api.request<{ grant: { id: string; identityId: string; path: string } }>(
    'POST',
    '/v1/pam/grants',
    { identityId, path },
  );
  return grant;
}

export async function getPamSession(
  api: ControlPlaneClient,
  sessionId: string,
): Promise<PamSessionRecord> {
  const { session } = await api.request<{ session: PamSessionRecord }>(
    'GET',
    `/v1/pam/sessions/${sessionId}`,
  );
  return session;
}
