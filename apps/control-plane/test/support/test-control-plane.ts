import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IdentityProviderEndpoints } from '@burrow/auth-methods';
import { createControlPlane, type ControlPlane } from '../../src/index.ts';

/** A control plane on a fresh temporary data dir, with silent logs, for app.inject() tests. */
export const RELAY_AUTH_SECRET = 'test-relay-auth-secret-0123456789';

export interface TestControlPlane extends ControlPlane {
  dataDir: string;
  close(): Promise<void>;
}

export async function startTestControlPlane(
  options: {
    logStream?: NodeJS.WritableStream;
    logLevel?: string;
    identityProviders?: IdentityProviderEndpoints;
    refusePrivateIdpAddresses?: boolean;
  } = {},
): Promise<TestControlPlane> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-cp-test-'));
  const controlPlane = await createControlPlane({
    dataDir,
    relayAuthSecret: RELAY_AUTH_SECRET,
    logLevel: options.logLevel ?? 'silent',
    identityProviders: options.identityProviders,
    refusePrivateIdpAddresses: options.refusePrivateIdpAddresses,
    ...(options.logStream ? { logStream: options.logStream as never } : {}),
  });
  return {
    ...controlPlane,
    dataDir,
    async close() {
      await controlPlane.app.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Bootstrapped {
  token: string;
  orgId: string;
  identityId: string;
}

export async function bootstrap(cp: ControlPlane): Promise<Bootstrapped> {
  const res = await cp.app.inject({
    method: 'POST',
    url: '/api/v1/admin/bootstrap',
    payload: {
      email: 'admin@example.com',
      password: 'correct horse battery',
      organization: 'Acme',
    },
  });
  if (res.statusCode !== 200) throw new Error(`bootstrap failed: ${res.body}`);
  const body = res.json<{
    identity: { id: string; credentials: { token: string } };
    organization: { id: string };
  }>();
  return {
    token: body.identity.credentials.token,
    orgId: body.organization.id,
    identityId: body.identity.id,
  };
}

export function auth(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

export type TestRole = 'admin' | 'member' | 'auditor' | 'relay' | 'gateway';

/** Creates a member identity with token auth and returns its id and a token. */
export function memberWithToken(
  cp: ControlPlane,
  admin: Bootstrapped,
  name: string,
): Promise<{ identityId: string; token: string }> {
  return identityWithToken(cp, admin, name, 'member');
}

/** Creates an identity with `role` and token auth and returns its id and a token. */
export async function identityWithToken(
  cp: ControlPlane,
  admin: Bootstrapped,
  name: string,
  role: TestRole,
): Promise<{ identityId: string; token: string }> {
  const created = await cp.app.inject({
    method: 'POST',
    url: '/api/v1/identities',
    headers: auth(admin.token),
    payload: { name, organizationId: admin.orgId, role },
  });
  const identityId = created.json<{ identity: { id: string } }>().identity.id;
  await cp.app.inject({
    method: 'POST',
    url: `/api/v1/auth/token-auth/identities/${identityId}`,
    headers: auth(admin.token),
    payload: {},
  });
  const token = await cp.app.inject({
    method: 'POST',
    url: `/api/v1/auth/token-auth/identities/${identityId}/tokens`,
    headers: auth(admin.token),
    payload: { name },
  });
  return { identityId, token: token.json<{ accessToken: string }>().accessToken };
}
