/**
 * Signals first, output second: `./scripts/run-stack.sh | tee log` and `burrow pam access … | tee f`
 * stopped with Ctrl-C (SIGINT) or SIGTERM after their reader has gone — the same Ctrl-C kills tee,
 * `| head -1` exits after a line. Every write after that fails with EPIPE; stopping must not.
 *
 * Each case runs the real `burrow-stack` (stack/dist/main.js, what run-stack.sh starts) with the
 * PAM demo, reads its status screen (the web console it names is served, and the first admin's
 * sign-in it prints works), logs in with the `burrow` CLI as the screen says, opens a PAM
 * session with `burrow pam access`, closes both programs' stdout and stderr (the reader exits),
 * then signals them: the access CLI exits 0 and the session is `ended` at the control plane; the
 * stack exits 0, every process it listed (control plane, relay, gateway, demo PostgreSQL) is gone
 * and its scratch directories are removed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { findPsql } from '@burrow/test-support';
import { BURROW_CLI, burrowEnv, runBurrow } from '../src/index.ts';
import { isAlive, readUntil, waitUntil } from './support/child-processes.ts';

const STACK_MAIN = path.resolve(import.meta.dirname, '..', 'dist', 'main.js');
// Hang detectors, not speed checks: a loaded 2-core machine (load ~30) took over 150 s to start
// the whole stack with its demos (each process of it may take STARTUP_TIMEOUT_MS, 150 s).
const READY_TIMEOUT_MS = 300_000;
const EXIT_TIMEOUT_MS = 60_000;

/** What the stack's status screen says, as a person would copy it. */
interface StackScreen {
  apiUrl: string;
  /** The web console's address and the first admin's sign-in, as the screen prints them. */
  consoleUrl: string;
  adminEmail: string;
  adminPasswordFile: string;
  adminTokenFile: string;
  configDir: string;
  clientId: string;
  clientSecretFile: string;
  workDir: string;
  postgresDir: string;
  /** Control plane, relay, gateway and demo PostgreSQL, from the "Processes:" rows. */
  pids: number[];
}

/** Processes and directories of the current case, for cleanup when an assertion fails. */
const started: ChildProcess[] = [];
let screen: StackScreen | undefined;

afterEach(async () => {
  // A stack that never got to its status screen (a failed start) is asked to stop first: SIGTERM
  // stops what it started and removes its scratch data; SIGKILL would orphan its children.
  for (const child of started.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      await exitCodeAfter(child, 'SIGTERM');
    }
  }
  if (screen) {
    for (const pid of screen.pids) {
      // SIGQUIT is PostgreSQL's immediate shutdown; the Node processes die of it as well.
      if (isAlive(pid)) process.kill(pid, 'SIGQUIT');
    }
    await waitUntil(() => screen!.pids.every((pid) => !isAlive(pid)), 10_000);
    for (const dir of [screen.workDir, screen.postgresDir])
      fs.rmSync(dir, { recursive: true, force: true });
    screen = undefined;
  }
});

/** The reader of both pipes exits, as `head -1` or a killed `tee` would. */
function closeReader(child: ChildProcess): void {
  child.stdout?.destroy();
  child.stderr?.destroy();
}

async function exitCodeAfter(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_TIMEOUT_MS);
  const [code, bySignal] = await exited;
  clearTimeout(timer);
  return bySignal ? -1 : code;
}

function parseScreen(text: string): StackScreen {
  const field = (pattern: RegExp): string => {
    const value = pattern.exec(text)?.[1];
    if (value === undefined) throw new Error(`status screen without ${pattern}:\n${text}`);
    return value;
  };
  const processes = text.slice(text.indexOf('Processes:'), text.indexOf('Data:'));
  return {
    apiUrl: field(/control plane\s+(http:\/\/\S+\/api)/),
    consoleUrl: field(/web console\s+(http:\/\/\S+)/),
    adminEmail: field(/sign in as (\S+), password in/),
    adminPasswordFile: field(/sign in as \S+, password in (\S+)/),
    adminTokenFile: field(/admin token in (\S+)\)/),
    configDir: field(/BURROW_CONFIG_DIR=(\S+)/),
    clientId: field(/--client-id (\S+)/),
    clientSecretFile: field(/\$\(cat (\S+you-client-secret)\)/),
    workDir: field(/^Data: (\S+)/m),
    postgresDir: path.dirname(field(/demo PostgreSQL\s+pid \d+\s+log (\S+)/)),
    pids: [...processes.matchAll(/ pid (\d+)/g)].map((match) => Number(match[1])),
  };
}

/**
 * The console the screen points to is served there, and its printed sign-in (the email and the
 * password file, 0600) signs the first admin in.
 */
async function expectConsoleSignIn(stack: StackScreen): Promise<void> {
  expect(stack.consoleUrl).toBe(stack.apiUrl.replace(/\/api$/, '/console/'));
  const page = await fetch(stack.consoleUrl);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<title>Burrow console</title>');
  expect(fs.statSync(stack.adminPasswordFile).mode & 0o777).toBe(0o600);
  const signIn = await fetch(`${stack.apiUrl}/v1/console/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: stack.adminEmail,
      password: fs.readFileSync(stack.adminPasswordFile, 'utf8').trim(),
    }),
  });
  expect(signIn.status).toBe(200);
  expect(((await signIn.json()) as { identity: { role: string } }).identity.role).toBe('admin');
}

async function sessionStatus(stack: StackScreen, sessionId: string): Promise<string> {
  const token = fs.readFileSync(stack.adminTokenFile, 'utf8').trim();
  const response = await fetch(`${stack.apiUrl}/v1/pam/sessions/${sessionId}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { session: { status: string } }).session.status;
}

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'])
    if (process.env[key]) env[key] = process.env[key];
  return env;
}

describe.each(['SIGINT', 'SIGTERM'] as const)('%s with closed output pipes', (signal) => {
  it('ends the PAM session, stops every process of the stack and removes its scratch data', async () => {
    expect(findPsql()).toBeDefined(); // the PAM demo needs PostgreSQL (scripts/system-deps.sh)
    const stack = spawn(process.execPath, [STACK_MAIN], {
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(stack);
    const text = await readUntil(stack, /Press Ctrl-C/, READY_TIMEOUT_MS);
    screen = parseScreen(text);
    // control plane, relay, gateway, demo PostgreSQL; and the demo sshd where sshd is installed
    // (CI installs it). Every one of them must be gone after the signal.
    const sshDemo = /^\s+demo sshd\s+pid \d+/m.test(text) ? 1 : 0;
    expect(screen.pids).toHaveLength(4 + sshDemo);
    expect(screen.pids.every(isAlive)).toBe(true);
    await expectConsoleSignIn(screen);

    const login = await runBurrow(
      ['login', '--domain', screen.apiUrl, '--client-id', screen.clientId],
      {
        configDir: screen.configDir,
        env: {
          INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET: fs
            .readFileSync(screen.clientSecretFile, 'utf8')
            .trim(),
        },
      },
    );
    expect(login).toMatchObject({ code: 0 });

    const access = spawn(process.execPath, [BURROW_CLI, 'pam', 'access', 'prod/orders-db'], {
      env: burrowEnv(screen.configDir),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(access);
    const ready = await readUntil(access, /Ctrl-C ends it/, 60_000);
    const sessionId = /PAM session (\S+) for/.exec(ready)?.[1] as string;
    expect(await sessionStatus(screen, sessionId)).toBe('active');

    closeReader(access);
    expect(await exitCodeAfter(access, signal)).toBe(0);
    expect(await sessionStatus(screen, sessionId)).toBe('ended');

    closeReader(stack);
    expect(await exitCodeAfter(stack, signal)).toBe(0);
    const pids = screen.pids;
    expect(await waitUntil(() => pids.every((pid) => !isAlive(pid)), 10_000)).toBe(true);
    expect(fs.existsSync(screen.workDir)).toBe(false);
    expect(fs.existsSync(screen.postgresDir)).toBe(false);
    screen = undefined;
  }, 420_000);
});
