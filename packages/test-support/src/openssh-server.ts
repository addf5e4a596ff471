/**
 * A throwaway OpenSSH sshd for tests: `/usr/sbin/sshd -D -e -f <dir>/sshd_config` on a free
 * 127.0.0.1 port, its own config (no PAM, no passwords unless the caller's lines say so,
 * StrictModes off for temp dirs), stopped by its PID. sshd's stderr (`-e`, LogLevel VERBOSE) is
 * kept for assertions and failure messages.
 *
 * The config lines may depend on the port (a host certificate whose principal names it).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { waitForPort } from './wait-for-port.ts';

export const SSHD_PATH = '/usr/sbin/sshd';

/** A running sshd started by `startSshd`. */
export interface RunningSshd {
  readonly port: number;
  readonly pid: number;
  /** Everything sshd wrote to stderr (`-e`) so far. */
  log(): string;
  /** Kills this sshd by its PID and waits for it to exit (bounded). */
  stop(): Promise<void>;
}

/** How long sshd may take to listen on a loaded machine. */
const SSHD_START_TIMEOUT_MS = 10_000;

/**
 * Starts sshd with a base config (Port, ListenAddress, PidFile, UsePAM no, StrictModes no,
 * PasswordAuthentication, KbdInteractiveAuthentication no, PermitRootLogin, LogLevel VERBOSE)
 * followed by `config`. sshd keeps the first value of a setting, so the base's own settings are
 * chosen through `overrides`.
 *
 * @example
 *   const sshd = await startSshd(dir, (port) => [`HostKey ${dir}/host`, 'AuthorizedKeysFile none']);
 *   try { … } finally { await sshd.stop(); }
 */
export async function startSshd(
  dir: string,
  config: readonly string[] | ((port: number) => readonly string[] | Promise<readonly string[]>),
  overrides: { passwordAuthentication?: boolean; permitRootLogin?: string } = {},
): Promise<RunningSshd> {
  mkdirSync('/run/sshd', { recursive: true }); // the privilege-separation directory sshd insists on
  const port = await freePort();
  const lines = typeof config === 'function' ? await config(port) : config;
  const configPath = join(dir, `sshd_config-${port}`);
  writeFileSync(
    configPath,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `PidFile ${join(dir, `sshd-${port}.pid`)}`,
      'UsePAM no',
      'StrictModes no',
      `PasswordAuthentication ${overrides.passwordAuthentication === true ? 'yes' : 'no'}`,
      'KbdInteractiveAuthentication no',
      `PermitRootLogin ${overrides.permitRootLogin ?? 'prohibit-password'}`,
      'LogLevel VERBOSE',
      ...lines,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const child = spawn(SSHD_PATH, ['-D', '-e', '-f', configPath], {
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
    await waitForPort(port, SSHD_START_TIMEOUT_MS, () => !exited);
  } catch (e) {
    await stop();
    throw new Error(`${String(e)}\nsshd log:\n${log()}`, { cause: e });
  }
  return { port, pid: pid as number, log, stop };
}
