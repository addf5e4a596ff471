/**
 * Driving the real OpenSSH tools (ssh-keygen, ssh, sshd) from tests: temp dirs, private files
 * 0600, processes on 127.0.0.1 free ports, killed by PID, every wait bounded.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { withTimeout } from './wait.ts';

const execFileAsync = promisify(execFile);

export const SSH = '/usr/bin/ssh';
export const SSH_KEYGEN = '/usr/bin/ssh-keygen';

export interface TempDir {
  readonly path: string;
  /** A path in the directory. */
  file(name: string): string;
  /** A path in the directory no earlier call returned (`<name>-<n>`). */
  unique(name: string): string;
  remove(): Promise<void>;
}

export async function makeTempDir(prefix = 'burrow-ssh-'): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  let counter = 0;
  return {
    path,
    file: (name) => join(path, name),
    unique: (name) => join(path, `${name}-${++counter}`),
    remove: () => rm(path, { recursive: true, force: true }),
  };
}

/** Runs ssh-keygen with the given arguments (10 s deadline). */
export async function sshKeygen(args: readonly string[]): Promise<void> {
  await execFileAsync(SSH_KEYGEN, ['-q', ...args], { timeout: 90_000 }); // a hang detector, not a speed limit
}

/** `ssh-keygen -t <type> -N '' -f <path>` (path must be new); returns { privateKey, publicKeyLine }. */
export async function keygen(
  path: string,
  type: 'ed25519' | 'rsa' | 'ecdsa',
): Promise<{ privateKey: string; publicKeyLine: string }> {
  const sizeArgs = type === 'rsa' ? ['-b', '2048'] : type === 'ecdsa' ? ['-b', '256'] : [];
  await sshKeygen(['-t', type, ...sizeArgs, '-N', '', '-C', type, '-f', path]);
  return {
    privateKey: await readFile(path, 'utf8'),
    publicKeyLine: (await readFile(`${path}.pub`, 'utf8')).trim(),
  };
}

/** `ssh-keygen -s <ca> -I <id> -n <principals> -V <validity> [-h] <key>.pub`; returns the cert line. */
export async function signWithSshKeygen(options: {
  caPath: string;
  keyPath: string;
  keyId: string;
  principals: readonly string[];
  host?: boolean;
  validity?: string;
}): Promise<string> {
  await sshKeygen([
    '-s',
    options.caPath,
    '-I',
    options.keyId,
    '-n',
    options.principals.join(','),
    '-V',
    options.validity ?? '-5m:+1h',
    ...(options.host === true ? ['-h'] : []),
    `${options.keyPath}.pub`,
  ]);
  return (await readFile(`${options.keyPath}-cert.pub`, 'utf8')).trim();
}

export async function writePrivateFile(path: string, text: string): Promise<void> {
  await writeFile(path, text, { mode: 0o600 });
}

/** A child process with its output collected and a bounded wait for its exit. */
export interface RunningProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal name) within `ms`, or rejects. */
  exited(ms: number): Promise<number | string>;
  /** SIGTERM by PID (SIGKILL after 2 s); resolves when it is gone. */
  kill(): Promise<void>;
}

export function startProcess(command: string, args: readonly string[]): RunningProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  return {
    child,
    output: () => output,
    exited: (ms) => withTimeout(exit, ms, `${command} to exit`),
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      process.kill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
          process.kill(child.pid, 'SIGKILL');
        }
      }, 2_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** Options every test ssh invocation gets: no user config, no agent, no prompts. */
export function baseSshOptions(knownHostsPath: string): string[] {
  return [
    '-F',
    '/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'IdentityAgent=none',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${knownHostsPath}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'ConnectTimeout=10',
  ];
}
