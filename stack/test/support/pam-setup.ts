import path from 'node:path';
import {
  createPostgresAccounts,
  createUniversalAuthIdentity,
  grantPamAccess,
  runBurrow,
  type BurrowResult,
  type LocalStack,
  type PamAccount,
  type UniversalAuthIdentity,
} from '../../src/index.ts';

/**
 * The set-up the stack's PAM tests share, made as the stack's admin through platform-api's
 * routes (`stack.api`, a PlatformClient) and the real `burrow`:
 *
 *   createOrdersDatabase  postgres resource `orders-pg` (database `orders` on 127.0.0.1:<port>)
 *                         behind a gateway, with its accounts (folder `prod` unless given)
 *   createPamMember       a member identity with universal auth and PAM grants
 *   loginWithBurrow       `burrow login` as an identity into its own config dir
 *
 * Each throws with the control plane's or burrow's answer when a step fails, so a broken set-up
 * fails in beforeAll and says why.
 *
 * @example
 *   await createOrdersDatabase(stack, gatewayId, postgres.port, [{ name: 'orders-db', username: 'app', password }]);
 *   const alice = await createPamMember(stack, 'alice', ['prod/']);
 *   await loginWithBurrow(stack, alice, path.join(testDir, 'burrow-config'));
 */
export interface OrdersAccount {
  name: string;
  username: string;
  password: string;
  /** `prod` unless given. */
  folderPath?: string;
}

export async function createOrdersDatabase(
  stack: LocalStack,
  gatewayId: string,
  port: number,
  accounts: readonly OrdersAccount[],
  resourceName = 'orders-pg',
): Promise<PamAccount[]> {
  const created = await createPostgresAccounts(
    stack.api,
    { name: resourceName, gatewayId, host: '127.0.0.1', port, database: 'orders' },
    accounts.map((account) => ({ folderPath: 'prod', ...account })),
  );
  return created.accounts;
}

/** A member (not an admin) with universal auth, granted PAM access to each of `paths`. */
export async function createPamMember(
  stack: LocalStack,
  name: string,
  paths: readonly string[],
): Promise<UniversalAuthIdentity> {
  const identity = await createUniversalAuthIdentity(stack.api, stack.organizationId, name);
  for (const grantPath of paths) await grantPamAccess(stack.api, identity.identityId, grantPath);
  return identity;
}

/** `burrow login --method universal-auth` as `identity`, stored in `configDir` (the secret in its env variable). */
export async function loginWithBurrow(
  stack: LocalStack,
  identity: Pick<UniversalAuthIdentity, 'clientId' | 'clientSecret'>,
  configDir: string,
): Promise<BurrowResult> {
  const login = await runBurrow(
    [
      'login',
      '--domain',
      stack.apiUrl,
      '--method',
      'universal-auth',
      '--client-id',
      identity.clientId,
    ],
    { configDir, env: { INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET: identity.clientSecret } },
  );
  if (login.code !== 0) {
    throw new Error(
      `burrow login into ${path.basename(configDir)} exited ${login.code}: ${login.stderr.trim()}`,
    );
  }
  return login;
}
