/**
 * Test helpers for running the real OpenSSH tools (ssh-keygen, ssh, sshd) as judges: a private temp
 * directory per suite, bounded child processes, and a throwaway sshd on a free loopback port.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from '@burrow/test-support';

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Default bound for one child process; a hung tool fails the test instead of the suite. */
const RUN_TIMEOUT_MS = 15_000;

/** A fresh private directory under the system temp dir. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `burrow-${prefix}-`));
}

export function removeTempDir(dir: string | undefined): void {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}

/** Writes a file readable by the owner only (private keys; ssh refuses group/world-readable ones). */
export function writePrivateFile(path: string, content: string | Buffer): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** Runs a command with no shell, a bounded run time, and optional stdin; never rejects. */
export function run(
  command: string,
  args: readonly string[],
  options: { input?: string | Buffer; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, TZ: 'UTC', LC_ALL: 'C', ...options.env },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? RUN_TIMEOUT_MS);
    child.on('error', (e) => err.push(Buffer.from(String(e))));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/** Runs a command and throws (with its output) unless it exits 0. */
export async function runOk(
  command: string,
  args: readonly string[],
  options: { input?: string | Buffer; timeoutMs?: number } = {},
): Promise<string> {
  const r = await run(command, args, options);
  if (r.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${r.code}\n${r.stderr}${r.stdout}`);
  }
  return r.stdout;
}

/** A running sshd started by `startSshd`. */
export interface RunningSshd {
  readonly port: number;
  readonly pid: number;
  /** Everything sshd wrote to stderr (`-e`) so far. */
  log(): string;
  /** Kills this sshd by its PID and waits for it to exit (bounded). */
  stop(): Promise<void>;
}

/**
 * Starts `/usr/sbin/sshd -D -e -f <dir>/sshd_config` on a free 127.0.0.1 port. `config` lines are
 * appended to a base config (Port, ListenAddress, PidFile, no PAM, no passwords, StrictModes no).
 */
export async function startSshd(dir: string, config: readonly string[]): Promise<RunningSshd> {
  mkdirSync('/run/sshd', { recursive: true }); // the privilege-separation directory sshd insists on
  const port = await freePort();
  const configPath = join(dir, 'sshd_config');
  writeFileSync(
    configPath,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `PidFile ${join(dir, 'sshd.pid')}`,
      'UsePAM no',
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'LogLevel VERBOSE',
      ...config,
      '',
    ].join('\n'),
  );
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', configPath], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const logChunks: Buffer[] = [];
  child.stderr.on('data', (b: Buffer) => logChunks.push(b));
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', (e) => {
      logChunks.push(Buffer.from(String(e)));
      exited = true;
      resolve();
    });
  });
  const log = (): string => Buffer.concat(logChunks).toString('utf8');
  const pid = child.pid;
  const stop = async (): Promise<void> => {
    if (!exited && pid !== undefined) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 3_000).unref());
      if ((await Promise.race([exitPromise, timeout])) === 'timeout') {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
        await exitPromise;
      }
    }
  };
  try {
    if (pid === undefined) throw new Error('sshd did not start');
    await waitForPort(port, 5_000, () => !exited);
  } catch (e) {
    await stop();
    throw new Error(`${String(e)}\nsshd log:\n${log()}`, { cause: e });
  }
  return { port, pid: pid as number, log, stop };
}
