import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BURROW_CLI } from './burrow-cli.ts';
import { setUpDynamicSecretDemo } from './dynamic-secret-demo.ts';
import type { LocalStack } from './local-stack.ts';
import { createPostgresAccounts, grantPamAccess } from './pam-admin.ts';
import { createUniversalAuthIdentity } from './universal-auth-identity.ts';
import { setUpSshDemo, type SshDemo } from './pam-ssh-demo.ts';
import {
  findPostgresBinDir,
  findPsql,
  startPostgres,
  type PostgresServer,
  type RunningSshd,
} from '@burrow/test-support';

/**
 * The PAM part of `burrow-stack`: a member identity "you" with a grant on `prod/` to log in with,
 * and behind the stack's gateway
 * - when PostgreSQL is installed (initdb and psql found), a demo database "orders" on a free
 *   loopback port with a SCRAM role whose random password only the control plane learns,
 *   registered as resource `orders-pg` with account `prod/orders-db`;
 * - when OpenSSH's sshd is installed, a demo sshd and account `prod/demo-shell` (pam-ssh-demo.ts).
 * Returns the lines to print (the README's "Access a private PostgreSQL" and "Access a private
 * Linux server over SSH" flows, ready to paste); on the same database the dynamic secret
 * `orders-ro` (dynamic-secret-demo.ts), granted to "you" (the "Dynamic secrets" flow).
 *
 * Without either it says how to get them and the rest of the stack runs as before. When `signal`
 * is aborted while a server starts, or the dynamic secret cannot be set up on a PostgreSQL that
 * runs, what was started is stopped again and the call rejects.
 *
 * @example
 *   const demo = await setUpPamDemo(stack, gatewayId, say);
 *   process.stdout.write(demo.instructions);
 *   await demo.stop();
 */
export interface PamDemo {
  postgres?: PostgresServer;
  sshd?: RunningSshd;
  instructions: string;
  stop(): Promise<void>;
}

export async function setUpPamDemo(
  stack: LocalStack,
  gatewayId: string,
  say: (message: string) => void,
  signal?: AbortSignal,
): Promise<PamDemo> {
  // The printed commands say `burrow`. Where it is not installed, the login block defines it as
  // a shell function running this checkout's CLI on this Node, by absolute paths: a new
  // terminal's `node` may be older than 24 (the machine's own), and its directory anywhere.
  const burrowInstalled = burrowOnPath();
  const burrow = 'burrow';
  const postgresDemo = await setUpPostgresDemo(stack, gatewayId, say, burrow, signal);
  let sshDemo: SshDemo;
  try {
    sshDemo = await setUpSshDemo(stack, gatewayId, say, burrow, signal);
  } catch (error) {
    await postgresDemo.stop();
    throw error;
  }
  const stop = async (): Promise<void> => {
    await Promise.allSettled([postgresDemo.stop(), sshDemo.stop()]);
  };
  const servers = {
    ...(postgresDemo.postgres ? { postgres: postgresDemo.postgres } : {}),
    ...(sshDemo.sshd ? { sshd: sshDemo.sshd } : {}),
  };
  if (!servers.postgres && !servers.sshd) {
    return { instructions: postgresDemo.instructions + sshDemo.instructions, stop };
  }
  try {
    const you = await createUniversalAuthIdentity(stack.api, stack.organizationId, 'you');
    await grantPamAccess(stack.api, you.identityId, 'prod/');
    const secretFile = path.join(stack.workDir, 'you-client-secret');
    fs.writeFileSync(secretFile, `${you.clientSecret}\n`, { mode: 0o600 });
    const configDir = path.join(stack.workDir, 'burrow-config');
    // PostgreSQL is there and the PAM demo on it works, so a failure here is a bug to show, not
    // a missing dependency to mention: the start-up fails with the reason (main.ts prints it).
    const dynamicSecrets = servers.postgres
      ? await setUpDynamicSecretDemo(
          stack,
          gatewayId,
          servers.postgres,
          you.identityId,
          burrow,
        ).catch((error: unknown) => {
          throw new Error(
            `the dynamic secrets demo could not be set up on the demo PostgreSQL: ${(error as Error).message}`,
            { cause: error },
          );
        })
      : '';
    return {
      ...servers,
      instructions: `
Try PAM as "you", a member with a grant on prod/: log in once
  export BURROW_CONFIG_DIR=${configDir}
${burrowInstalled ? '' : `  burrow() { ${shellWord(process.execPath)} ${shellWord(BURROW_CLI)} "$@"; }   # ./scripts/install-cli.sh installs it for good\n`}  INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET=$(cat ${secretFile}) \\
    ${burrow} login --domain ${stack.apiUrl} --client-id ${you.clientId}
${postgresDemo.instructions}${sshDemo.instructions}
Afterwards, the recordings:
  ${burrow} pam sessions list                         # then: pam sessions show <session-id>
${dynamicSecrets}`,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The PostgreSQL part: the database, its resource and account; the lines to print. */
async function setUpPostgresDemo(
  stack: LocalStack,
  gatewayId: string,
  say: (message: string) => void,
  burrow: string,
  signal?: AbortSignal,
): Promise<{ postgres?: PostgresServer; instructions: string; stop(): Promise<void> }> {
  if (!findPostgresBinDir() || !findPsql()) {
    return {
      instructions:
        '\nPAM PostgreSQL demo skipped: PostgreSQL is not installed (initdb/psql not found; apt-get install postgresql).\n',
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
    await createPostgresAccounts(
      stack.api,
      { name: 'orders-pg', gatewayId, host: '127.0.0.1', port: postgres.port, database: 'orders' },
      [{ name: 'orders-db', folderPath: 'prod', username: 'orders_app', password }],
    );
    return {
      postgres,
      instructions: `
Try PAM with PostgreSQL: a private database on 127.0.0.1:${postgres.port} whose password only the control plane knows.
  ${burrow} pam access prod/orders-db --duration 1h    # prints a psql command; Ctrl-C ends the session
`,
      stop: () => postgres.stop(),
    };
  } catch (error) {
    await postgres.stop();
    if (signal?.aborted) throw error;
    return {
      instructions: `\nPAM PostgreSQL demo not available: ${(error as Error).message}\n`,
      stop: async () => undefined,
    };
  }
}

/** `word` for a POSIX shell: as is when plain, else single-quoted. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
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
