import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BURROW_CLI } from './burrow-cli.ts';
import { setUpDynamicSecretDemo } from './dynamic-secret-demo.ts';
import type { LocalStack } from './local-stack.ts';
import { createPamAccount, createPostgresResource, grantPamAccess } from './pam-admin.ts';
import { createUniversalAuthIdentity } from './universal-auth-identity.ts';
import {
  findPostgresBinDir,
  findPsql,
  startPostgres,
  type PostgresServer,
} from '@burrow/test-support';

/**
 * The PAM part of `burrow-stack`: when PostgreSQL is installed (initdb and psql found), a demo
 * database "orders" on a free loopback port with a SCRAM role whose random password only the
 * control plane learns, registered as resource `orders-pg` with account `prod/orders-db` behind
 * the stack's gateway, and a member identity "you" to log in with; on the same database the
 * dynamic secret `orders-ro` (dynamic-secret-demo.ts), granted to "you". Returns the lines to
 * print (the README's "Access a private PostgreSQL" and "Dynamic secrets" flows, ready to paste).
 *
 * Without PostgreSQL it says how to get it and the rest of the stack runs as before. When `signal`
 * is aborted while the server starts, the server is stopped again and the call rejects.
 *
 * @example
 *   const demo = await setUpPamDemo(stack, gatewayId);
 *   process.stdout.write(demo.instructions);
 *   await demo.stop();
 */
export interface PamDemo {
  postgres?: PostgresServer;
  instructions: string;
  stop(): Promise<void>;
}

export async function setUpPamDemo(
  stack: LocalStack,
  gatewayId: string,
  say: (message: string) => void,
  signal?: AbortSignal,
): Promise<PamDemo> {
  if (!findPostgresBinDir() || !findPsql()) {
    return {
      instructions:
        '\nPAM demo skipped: PostgreSQL is not installed (initdb/psql not found; apt-get install postgresql).\n',
      stop: async () => undefined,
    };
  }
  say('starting a demo PostgreSQL (database "orders") for the PAM demo');
  const postgres = await startPostgres();
  try {
    signal?.throwIfAborted(); // Ctrl-C while it started: stop it again (below)
    const password = crypto.randomBytes(18).toString('base64url');
    await postgres.createLoginRole('orders_app', password, 'scram-sha-256');
    await postgres.sql('CREATE DATABASE orders OWNER orders_app');
    const resource = await createPostgresResource(stack.api, {
      name: 'orders-pg',
      gatewayId,
      host: '127.0.0.1',
      port: postgres.port,
      database: 'orders',
    });
    await createPamAccount(stack.api, {
      resourceId: resource.id,
      name: 'orders-db',
      folderPath: 'prod',
      username: 'orders_app',
      password,
    });
    const you = await createUniversalAuthIdentity(stack.api, stack.organizationId, 'you');
    await grantPamAccess(stack.api, you.identityId, 'prod/');
    const secretFile = path.join(stack.workDir, 'you-client-secret');
    fs.writeFileSync(secretFile, `${you.clientSecret}\n`, { mode: 0o600 });
    const configDir = path.join(stack.workDir, 'burrow-config');
    const burrow = burrowOnPath()
      ? 'burrow'
      : `node ${path.relative(process.cwd(), BURROW_CLI) || BURROW_CLI}`;
    const dynamicSecrets = await setUpDynamicSecretDemo(
      stack,
      gatewayId,
      postgres,
      you.identityId,
      burrow,
    );
    return {
      postgres,
      instructions: `
Try PAM: a private PostgreSQL on 127.0.0.1:${postgres.port} whose password only the control plane knows.
  export BURROW_CONFIG_DIR=${configDir}
  INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET=$(cat ${secretFile}) \\
    ${burrow} login --domain ${stack.apiUrl} --client-id ${you.clientId}
  ${burrow} pam access prod/orders-db --duration 1h    # prints a psql command; Ctrl-C ends the session
  ${burrow} pam sessions list                         # then: pam sessions show <session-id>
${burrow === 'burrow' ? '' : '  (./scripts/install-cli.sh puts `burrow` on PATH)\n'}${dynamicSecrets}`,
      stop: () => postgres.stop(),
    };
  } catch (error) {
    await postgres.stop();
    if (signal?.aborted) throw error;
    return {
      instructions: `\nPAM demo not available: ${(error as Error).message}\n`,
      stop: async () => undefined,
    };
  }
}

/** True when `burrow` on PATH is scripts/install-cli.sh's wrapper for this checkout's CLI. */
function burrowOnPath(): boolean {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    try {
      if (dir && fs.readFileSync(path.join(dir, 'burrow'), 'utf8').includes(BURROW_CLI))
        return true;
    } catch {
      // not there
    }
  }
  return false;
}
