/**
 * What `./scripts/run-stack.sh` prints works (issue 17): the real `burrow-stack` (stack/dist/main.js,
 * what run-stack.sh starts, from the repository root as it does) with its PAM demo; the lines it
 * prints to log in as "you" and to try dynamic secrets are run, as printed, by /bin/sh as in a new
 * terminal (another directory, the machine's own `node` on PATH, which may be older than 24): the
 * `eval "$(burrow dynamic-secrets lease create …)"` line gives psql a role that reads the demo
 * table, `lease list` shows the lease, `lease revoke` drops the role and psql is refused after.
 *
 * And a dynamic-secrets demo that cannot be set up on a PostgreSQL that runs (here: its gateway is
 * down) fails the start-up with the reason instead of printing a soft "not available" line, and
 * leaves nothing behind.
 *
 * Every process is stopped by its PID; the scratch directories are removed.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { findPsql } from '@burrow/test-support';
import { LocalStack } from '../src/index.ts';
import { setUpPamDemo } from '../src/pam-demo.ts';
import { isAlive, readUntil, waitUntil } from './support/child-processes.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const STACK_MAIN = path.join(REPO_ROOT, 'stack', 'dist', 'main.js');
const READY_TIMEOUT_MS = 150_000;

const testDir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-run-stack-demo-'));
let stackProcess: ChildProcess | undefined;
/** The PIDs the status screen lists and the scratch dirs, for cleanup when an assertion fails. */
let listed: { pids: number[]; dirs: string[] } = { pids: [], dirs: [] };
let localStack: LocalStack | undefined;

afterAll(async () => {
  if (stackProcess && stackProcess.exitCode === null && stackProcess.signalCode === null) {
    const exited = once(stackProcess, 'exit');
    stackProcess.kill('SIGTERM');
    const timer = setTimeout(() => stackProcess?.kill('SIGKILL'), 60_000);
    await exited;
    clearTimeout(timer);
  }
  for (const pid of listed.pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  for (const dir of listed.dirs) fs.rmSync(dir, { recursive: true, force: true });
  await localStack?.stop();
  fs.rmSync(testDir, { recursive: true, force: true });
});

/** The indented lines right under the first line matching `header`. */
function printedBlock(text: string, header: RegExp): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => header.test(line));
  if (start < 0) throw new Error(`no ${header} in what the stack printed:\n${text}`);
  const end = lines.findIndex((line, i) => i > start && !line.startsWith('  '));
  return lines.slice(start + 1, end < 0 ? undefined : end).map((line) => line.slice(2));
}

/**
 * Runs `script` with /bin/sh as a person's new terminal would: in another directory, with the
 * machine's own PATH — without the Node 24 that scripts/toolchain.sh put first for the stack (on
 * this machine kind the machine's `node` is older).
 */
function sh(script: string, env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  const toolchainNode = path.dirname(process.execPath);
  const systemDirs = ['/usr/local/bin', '/usr/bin', '/bin'];
  const PATH = (env.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => dir !== toolchainNode || systemDirs.includes(dir))
    .join(path.delimiter);
  return new Promise((resolve) => {
    execFile(
      '/bin/sh',
      ['-c', script],
      { cwd: testDir, env: { ...env, PATH }, encoding: 'utf8', timeout: 240_000 },
      (_error, stdout, stderr) => resolve({ stdout, stderr }),
    );
  });
}

describe('the commands ./scripts/run-stack.sh prints', () => {
  it('log in as you, lease orders-ro with eval, read the demo table with psql, list and revoke', async () => {
    const psqlPath = findPsql();
    expect(psqlPath).toBeDefined(); // the PAM demo needs PostgreSQL (scripts/system-deps.sh)
    const env: NodeJS.ProcessEnv = {
      // psql on PATH, as for a person with the PostgreSQL client installed (last: its dir may
      // be /usr/bin, whose `node` may be older than the Node 24 this test runs on).
      PATH: `${process.env.PATH}${path.delimiter}${path.dirname(psqlPath!)}`,
      HOME: testDir,
      ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
      LANG: 'C.UTF-8',
      PGCONNECT_TIMEOUT: '20',
    };
    stackProcess = spawn(process.execPath, [STACK_MAIN], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const text = await readUntil(stackProcess, /Press Ctrl-C/, READY_TIMEOUT_MS);
    const processes = text.slice(text.indexOf('Processes:'), text.indexOf('Data:'));
    listed = {
      pids: [...processes.matchAll(/ pid (\d+)/g)].map((match) => Number(match[1])),
      dirs: [
        /^Data: (\S+)/m.exec(text)?.[1],
        /demo PostgreSQL\s+pid \d+\s+log (\S+)/.exec(text)?.[1]?.replace(/\/[^/]+$/, ''),
      ].filter((dir): dir is string => dir !== undefined),
    };
    expect(text).not.toMatch(/not available/);

    const loginLines = printedBlock(text, /^Try PAM as "you"/);
    expect(loginLines[0]).toMatch(/^export BURROW_CONFIG_DIR=/);
    const demo = printedBlock(text, /^Try dynamic secrets/);
    expect(demo).toHaveLength(4);
    expect(demo[0]).toBe(
      'eval "$(burrow dynamic-secrets lease create orders-ro --ttl 15m --format env)"',
    );
    expect(demo[1]).toMatch(/^psql -c /);
    // Each printed line as it is (a comment ends at its newline), then what it left behind.
    const script = [
      ...loginLines,
      'echo "@@login=$?"',
      demo[0],
      'echo "@@user=${PGUSER:-}"',
      demo[1],
      'echo "@@psql=$?"',
      demo[2],
      'echo "@@list=$?"',
      demo[3],
      'echo "@@revoke=$?"',
      "psql -w -X -c 'SELECT 1'",
      'echo "@@after=$?"',
    ].join('\n');
    const { stdout, stderr } = await sh(script, env);
    const report = `${stdout}\n${stderr}`;
    // A failure here shows the whole transcript.
    const login = /@@login=(\d+)/.exec(stdout)?.[1];
    const role = /@@user=(burrow_[0-9a-f]+)/.exec(stdout)?.[1];
    if (login !== '0' || !role) throw new Error(`the printed commands failed:\n${report}`);
    // psql read the demo table as the leased role.
    const psqlOutput = stdout.slice(stdout.indexOf('@@user='), stdout.indexOf('@@psql='));
    expect(psqlOutput).toMatch(/anvil/);
    expect(stdout).toContain('@@psql=0');
    const listOutput = stdout.slice(stdout.indexOf('@@psql='), stdout.indexOf('@@list='));
    expect(listOutput).toMatch(new RegExp(`${role}\\s+active`));
    expect(stdout).toContain('@@list=0');
    expect(stdout).toMatch(new RegExp(`Lease \\S+ revoked: role ${role} dropped\\.\\n@@revoke=0`));
    // After the revocation the same PG* settings no longer log in.
    expect(stdout).toMatch(/@@after=[1-9]/);
    expect(stderr).toMatch(new RegExp(`password authentication failed for user "${role}"`));

    const exited = once(stackProcess, 'exit') as Promise<[number | null]>;
    stackProcess.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
    // Exited processes may take a moment to be reaped (PostgreSQL's children after pg_ctl).
    await waitUntil(() => !listed.pids.some(isAlive), 10_000);
    expect(listed.pids.filter(isAlive)).toEqual([]);
  }, 400_000);
});

describe('a dynamic-secrets demo that cannot be set up', () => {
  it('fails the PAM demo with the reason, and stops what the demo had started', async () => {
    localStack = await LocalStack.start();
    await localStack.startRelay('relay-a');
    const gateway = await localStack.startGateway('gateway-a', 'relay-a');
    const gatewayId = (await localStack.waitForHealthyGateway('gateway-a')).id;
    // The PAM demo's resource and account are saved without the gateway; the dynamic secret's
    // statements are checked through it, which now fails.
    await gateway.process.stop();
    // The demo's PostgreSQL is made under TMPDIR: a dir of this test's own, to see it removed.
    const demoTmp = path.join(testDir, 'tmp');
    fs.mkdirSync(demoTmp, { mode: 0o755 }); // PostgreSQL runs as `postgres` when we are root
    fs.chmodSync(testDir, 0o755);
    const savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = demoTmp;
    let failure: string;
    try {
      failure = await setUpPamDemo(localStack, gatewayId, () => undefined).then(
        async (demo) => {
          await demo.stop();
          return `set up: ${demo.instructions}`;
        },
        (error: unknown) => String(error),
      );
    } finally {
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
    }
    expect(failure).toMatch(
      /^Error: the dynamic secrets demo could not be set up on the demo PostgreSQL: .*gateway/,
    );
    expect(fs.readdirSync(demoTmp)).toEqual([]);
  }, 300_000);
});
