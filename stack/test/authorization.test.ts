/**
 * Who may reach what, from the real binaries on loopback: control plane, relay, gateway
 * (LocalStack), the `burrow` CLI, a real PostgreSQL (initdb/pg_ctl) and real `psql`.
 *
 * - The relay's and the gateway's own machine identities, and a member without a grant, are
 *   refused PAM access and the recording of someone else's session, each with the reason printed.
 * - A member with a grant on the folder `prod/` reaches `prod/orders-db` (psql works through
 *   relay and gateway) but not `staging/orders-db`.
 * - Names stay unambiguous: a relay binary that registers an org relay under an instance relay's
 *   name, and one that claims the host:port another relay registered, are refused at start.
 *
 * Every process is stopped by its PID in afterAll; the scratch dir is removed.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { findPsql, startPostgres, type PostgresServer } from '@burrow/test-support';
import { routes } from '@burrow/platform-api';
import {
  LocalStack,
  runBurrow,
  sleep,
  startBurrow,
  type BurrowResult,
  type ManagedProcess,
  type RelayHandle,
} from '../src/index.ts';
import { createOrdersDatabase, createPamMember, loginWithBurrow } from './support/pam-setup.ts';

const PASSWORD = `orders-Pw-${crypto.randomBytes(12).toString('hex')}`;
const testDir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-authz-test-'));

let postgres: PostgresServer;
let stack: LocalStack;
let relayA: RelayHandle;
let aliceSessionId: string;
const started: ManagedProcess[] = [];

/** A `burrow` logged in with universal auth, each with its own config dir. */
interface Person {
  name: string;
  configDir: string;
}
let alice: Person;
let bob: Person;
let relayAsPerson: Person;
let gatewayAsPerson: Person;

async function loggedIn(
  name: string,
  identity: { clientId: string; clientSecret: string },
): Promise<Person> {
  const configDir = path.join(testDir, `${name}-config`);
  await loginWithBurrow(stack, identity, configDir);
  return { name, configDir };
}

function burrow(person: Person, args: string[]): Promise<BurrowResult> {
  return runBurrow(args, { configDir: person.configDir });
}

/** `burrow pam access <path> --port 0` until it prints the psql line. */
async function openAccess(
  person: Person,
  accountPath: string,
): Promise<{ process: ManagedProcess; conninfo: string; sessionId: string }> {
  const access = startBurrow(['pam', 'access', accountPath, '--port', '0'], {
    configDir: person.configDir,
    logFile: path.join(testDir, `access-${person.name}-${started.length}.log`),
  });
  started.push(access);
  const psqlLine = await access.waitFor(/psql "host=127\.0\.0\.1 port=\d+/, 30_000);
  const sessionLine = await access.waitFor(/^PAM session \S+ for /, 5_000);
  return {
    process: access,
    conninfo: /psql "([^"]+)"/.exec(psqlLine)?.[1] as string,
    sessionId: /^PAM session (\S+) for /.exec(sessionLine)?.[1] as string,
  };
}

function psql(conninfo: string, statement: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      findPsql() as string,
      [conninfo, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', statement],
      {
        env: { PATH: process.env.PATH, HOME: testDir, PGCONNECT_TIMEOUT: '20' },
        timeout: 60_000,
        encoding: 'utf8',
      },
      (error, stdout) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout }),
    );
  });
}

beforeAll(async () => {
  postgres = await startPostgres();
  await postgres.createLoginRole('orders_app', PASSWORD, 'scram-sha-256');
  await postgres.sql('CREATE DATABASE orders OWNER orders_app');

  stack = await LocalStack.start();
  relayA = await stack.startRelay('relay-a');
  const gateway = await stack.startGateway('gateway-a', 'relay-a');
  const gatewayId = (await stack.waitForHealthyGateway('gateway-a')).id;
  await createOrdersDatabase(
    stack,
    gatewayId,
    postgres.port,
    ['prod', 'staging'].map((folderPath) => ({
      name: 'orders-db',
      folderPath,
      username: 'orders_app',
      password: PASSWORD,
    })),
  );
  alice = await loggedIn('alice', await createPamMember(stack, 'alice', ['prod/']));
  bob = await loggedIn('bob', await createPamMember(stack, 'bob', []));
  // The relay's and the gateway's own identities, logged in with `burrow` as an attacker would.
  relayAsPerson = await loggedIn('relay-identity', relayA);
  gatewayAsPerson = await loggedIn('gateway-identity', gateway);
}, 180_000);

afterAll(async () => {
  await Promise.all(started.map((p) => p.stop('SIGKILL')));
  await stack?.stop();
  await postgres?.stop();
  fs.rmSync(testDir, { recursive: true, force: true });
});

describe('PAM access needs a grant', () => {
  it('a member with a grant on prod/ reaches prod/orders-db: psql works through relay and gateway', async () => {
    const session = await openAccess(alice, 'prod/orders-db');
    aliceSessionId = session.sessionId;
    const result = await psql(session.conninfo, 'SELECT current_user');
    expect(result).toEqual({ code: 0, stdout: 'orders_app\n' });
    expect(await session.process.stop('SIGINT')).toBe(0);
    const list = await burrow(alice, ['pam', 'accounts', 'list']);
    expect(list.stdout).toContain('prod/orders-db');
    expect(list.stdout).not.toContain('staging/orders-db');
  }, 90_000);

  it('the same member is refused staging/orders-db, with the reason', async () => {
    const result = await burrow(alice, ['pam', 'access', 'staging/orders-db', '--port', '0']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^burrow: access to staging\/orders-db refused: No grant gives this identity access to staging\/orders-db; an admin can grant the account or its folder/m,
    );
  });

  it.each([
    [
      'a member without a grant',
      () => bob,
      /No grant gives this identity access to prod\/orders-db/,
    ],
    ["the relay's identity", () => relayAsPerson, /relay role may not access PAM accounts/],
    ["the gateway's identity", () => gatewayAsPerson, /gateway role may not access PAM accounts/],
  ])('%s is refused prod/orders-db, with the reason', async (_who, person, reason) => {
    const result = await burrow(person(), ['pam', 'access', 'prod/orders-db', '--port', '0']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(reason);
    expect(result.stdout).not.toMatch(/psql "host=/);
  });
});

describe('recordings are read by admins, auditors and the session’s own user', () => {
  it('alice reads her own session’s recording', async () => {
    // The gateway uploads the recording in batches; wait until the query is there.
    const deadline = Date.now() + 45_000;
    let shown = await burrow(alice, ['pam', 'sessions', 'show', aliceSessionId]);
    while (!shown.stdout.includes('SELECT current_user') && Date.now() < deadline) {
      await sleep(500);
      shown = await burrow(alice, ['pam', 'sessions', 'show', aliceSessionId]);
    }
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('SELECT current_user');
  }, 60_000);

  it.each([
    ['a member', () => bob, /Only admins, auditors and the session’s own user/],
    ["the relay's identity", () => relayAsPerson, /relay role may not read PAM sessions/],
    ["the gateway's identity", () => gatewayAsPerson, /gateway role may not read PAM sessions/],
  ])('%s is refused alice’s recording, with the reason', async (_who, person, reason) => {
    const shown = await burrow(person(), ['pam', 'sessions', 'show', aliceSessionId]);
    expect(shown.code).toBe(1);
    expect(shown.stderr).toMatch(reason);
    expect(shown.stdout).not.toContain('SELECT current_user');
  });

  it('bob’s session list does not show alice’s session', async () => {
    const listed = await burrow(bob, ['pam', 'sessions', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toContain(aliceSessionId);
  });
});

describe('relay names and addresses are unambiguous', () => {
  it('an org relay cannot register under an instance relay’s name', async () => {
    // The instance relay, registered with the instance's RELAY_AUTH_SECRET.
    await stack.startRelay('shared-relay', {
      auth: { identityId: '', env: {} },
      env: { INFISICAL_RELAY_TYPE: 'instance', INFISICAL_RELAY_AUTH_SECRET: stack.relayAuthSecret },
    });
    // An org's relay identity starts a relay binary with the same name.
    const impostor = stack.startRelay('shadow', { env: { INFISICAL_RELAY_NAME: 'shared-relay' } });
    await expect(impostor).rejects.toThrow(
      /cannot start: .*Relay name shared-relay belongs to an instance relay/,
    );
  }, 60_000);

  it('a second relay cannot claim the host:port another relay registered', async () => {
    // It listens on another loopback address but tells the control plane it is relay-a's
    // 127.0.0.1 with relay-a's ports, so that gateways and callers would dial it.
    const claimant = stack.startRelay('claimant', {
      env: {
        BURROW_RELAY_SSH_LISTEN_ADDRESS: `127.0.0.2:${relayA.sshPort}`,
        BURROW_RELAY_TLS_LISTEN_ADDRESS: `127.0.0.2:${relayA.tlsPort}`,
      },
    });
    await expect(claimant).rejects.toThrow(/cannot start: .*already claimed by another relay/);
    // relay-a keeps its registration: gateways still resolve it to its own address.
    const relays = await stack.api.call(routes.listRelays);
    const holders = relays.filter(
      (relay) => relay.host === '127.0.0.1' && relay.tlsPort === relayA.tlsPort,
    );
    expect(holders.map((relay) => relay.name)).toEqual(['relay-a']);
  }, 60_000);
});
