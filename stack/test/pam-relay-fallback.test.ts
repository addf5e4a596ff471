/**
 * Issue 8, from the real binaries on loopback: a caller that cannot reach one relay uses another.
 * A control plane, two relays, one gateway on both (INFISICAL_RELAY_NAME=relay-a,relay-b), a real
 * PostgreSQL (startPostgres) and `burrow pam access` (with --debug, so its log names the relay
 * each tunnel went through) and real psql.
 *
 *   1. psql works through the first relay of the access answer's relays[]
 *   2. kill -9 that relay: new psql connections on the same local port work through the other
 *   3. kill -9 the other one too: psql gets burrow's FATAL error naming both relays
 *   4. Ctrl-C still ends the session (at the control plane, no relay being left)
 *
 * Every process is stopped by its PID in afterAll.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LocalStack, startBurrow, type ManagedProcess } from '../src/index.ts';
import { findPsql, startPostgres, type PostgresServer } from '@burrow/test-support';
import { createOrdersDatabase, createPamMember, loginWithBurrow } from './support/pam-setup.ts';
import { waitForPamSession } from './support/pam-session.ts';

const PASSWORD = `scram-Pw-${crypto.randomBytes(12).toString('hex')}`;
const testDir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-pam-relay-fallback-'));
const configDir = path.join(testDir, 'burrow-config');

let postgres: PostgresServer;
let stack: LocalStack;
let access: ManagedProcess | undefined;
/** Everything burrow and psql printed, checked for the password at the end. */
const transcripts: string[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
  await postgres.createLoginRole('app_scram', PASSWORD, 'scram-sha-256');
  await postgres.sql('CREATE DATABASE orders OWNER app_scram');

  stack = await LocalStack.start();
  await Promise.all([stack.startRelay('relay-a'), stack.startRelay('relay-b')]);
  const gateway = await stack.startGateway('gateway-ha', 'relay-a,relay-b');
  // Up on both relays: the first logs "Gateway started successfully", the other "connected to relay".
  await gateway.process.waitFor(/"relay":"relay-a".*(started successfully|connected to relay)/);
  await gateway.process.waitFor(/"relay":"relay-b".*(started successfully|connected to relay)/);
  const gatewayId = (await stack.waitForHealthyGateway('gateway-ha')).id;

  await createOrdersDatabase(stack, gatewayId, postgres.port, [
    { name: 'orders-db', username: 'app_scram', password: PASSWORD },
  ]);
  const identity = await createPamMember(stack, 'alice', ['prod/']);
  const login = await loginWithBurrow(stack, identity, configDir);
  transcripts.push(login.stdout, login.stderr);
}, 90_000);

afterAll(async () => {
  await access?.stop('SIGKILL');
  await stack?.stop();
  await postgres?.stop();
  fs.rmSync(testDir, { recursive: true, force: true });
});

interface PsqlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Real psql with the printed connection string (no password anywhere): a new connection. */
function psql(conninfo: string, statement: string): Promise<PsqlResult> {
  const args = [conninfo, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', statement];
  return new Promise((resolve) => {
    execFile(
      findPsql() as string,
      args,
      {
        env: { PATH: process.env.PATH, HOME: testDir, PGCONNECT_TIMEOUT: '10' },
        timeout: 20_000,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        transcripts.push(stdout, stderr);
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** The relays (`127.0.0.1:<tls port>`) burrow's debug log says tunnels went through, in order. */
function relaysUsed(processToRead: ManagedProcess): string[] {
  return processToRead
    .output()
    .filter((line) => line.includes('"msg":"tunnel open"'))
    .map((line) => (JSON.parse(line) as { relay: string }).relay);
}

const relayAt = (name: string): string => `127.0.0.1:${stack.relays.get(name)?.tlsPort}`;

describe('burrow pam access with a gateway on two relays', () => {
  it('psql keeps working on the same local port after kill -9 of the relay in use; FATAL when none is left', async () => {
    const started = Date.now();
    access = startBurrow(['pam', 'access', 'prod/orders-db', '--port', '0'], {
      configDir,
      env: { BURROW_DEBUG: '1' },
      logFile: path.join(testDir, 'burrow-access.log'),
    });
    const psqlLine = await access.waitFor(/psql "host=127\.0\.0\.1 port=\d+/, 30_000);
    const sessionLine = await access.waitFor(/^PAM session \S+ for /, 5_000);
    const conninfo = /psql "([^"]+)"/.exec(psqlLine)?.[1] as string;
    const sessionId = /^PAM session (\S+) for /.exec(sessionLine)?.[1] as string;
    expect(access.output().join('\n')).not.toMatch(/could not check the gateway's capabilities/);

    const before = await psql(conninfo, "SELECT 'before', current_user");
    expect(before.stderr).toBe('');
    expect(before.stdout.trim()).toBe('before|app_scram');
    const first = relaysUsed(access).at(-1) as string;
    const [firstName, secondName] =
      first === relayAt('relay-a') ? ['relay-a', 'relay-b'] : ['relay-b', 'relay-a'];
    expect(first).toBe(relayAt(firstName));

    await stack.relays.get(firstName)?.process.stop('SIGKILL');
    for (const round of [1, 2, 3]) {
      const after = await psql(conninfo, `SELECT 'after-${round}'`);
      expect({ round, stderr: after.stderr, stdout: after.stdout.trim() }).toEqual({
        round,
        stderr: '',
        stdout: `after-${round}`,
      });
    }
    expect(relaysUsed(access).slice(-3)).toEqual([
      relayAt(secondName),
      relayAt(secondName),
      relayAt(secondName),
    ]);
    // Said once (the dead relay is then tried last for 30 s), naming the hop that failed.
    const skipped = access.output().filter((line) => line.includes('; using the relay at'));
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatch(
      new RegExp(
        `^connection \\d+: the relay at ${relayAt(firstName)} is not reachable \\(ECONNREFUSED\\); using the relay at ${relayAt(secondName)}$`,
      ),
    );

    await stack.relays.get(secondName)?.process.stop('SIGKILL');
    const none = await psql(conninfo, 'SELECT 1');
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/FATAL: +burrow: the relay at 127\.0\.0\.1:\d+ is not reachable/);
    expect(none.stderr).toContain(`the relay at ${relayAt(firstName)} is not reachable`);
    expect(none.stderr).toContain(`the relay at ${relayAt(secondName)} is not reachable`);

    // Ctrl-C: no relay left for the cancellation tunnel, so the session ends at the control plane.
    expect(await access.stop('SIGINT')).toBe(0);
    expect(access.output().join('\n')).toMatch(/Session ended at the control plane/);
    await waitForPamSession(stack, sessionId, (s) => s.status === 'ended', 10_000);
    expect(Date.now() - started).toBeLessThan(40_000);
    const everything = [...transcripts, ...access.output()].join('\n');
    expect(everything).not.toContain(PASSWORD);
  }, 60_000);
});
