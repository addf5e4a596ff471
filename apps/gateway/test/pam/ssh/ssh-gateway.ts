/**
 * Starts support/ssh-gateway-process.ts (the gateway's PAM side in a child process) and drives
 * the real OpenSSH clients through a local listener that carries each connection over inner TLS
 * with a session's PAM certificate — what `burrow pam access` does, minus the relay.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InnerTlsCredentials } from '../../../src/tunnel/inner-tls-server.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface GatewayProcess {
  readonly port: number;
  readonly sshHostKey: string;
  readonly pid: number;
  /** Everything the gateway logged (JSON lines). */
  logs(): string;
  /** Resolves with the first log line matching, or rejects after `timeoutMs`. */
  waitForLog(match: RegExp, timeoutMs?: number): Promise<string>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export function startGatewayProcess(config: {
  apiUrl: string;
  recordingDir: string;
  gatewayId: string;
  credentials: InnerTlsCredentials;
  idleTimeoutMs?: number;
}): Promise<GatewayProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(here, 'support', 'ssh-gateway-process.ts'), JSON.stringify(config)],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: path.join(here, '..', '..', '..') },
  );
  let logs = '';
  const waiters: { match: RegExp; resolve: (line: string) => void }[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    logs += chunk.toString('utf8');
    for (const waiter of [...waiters]) {
      const line = logs.split('\n').find((l) => waiter.match.test(l));
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gateway process did not start:\n${logs}`));
    }, 30_000);
    const earlyExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`gateway process exited ${code}:\n${logs}`));
    };
    child.once('exit', earlyExit);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const ready = /^READY (\d+) (.+)\n/.exec(stdout);
      if (!ready) return;
      clearTimeout(timer);
      child.off('exit', earlyExit);
      resolve({
        port: Number(ready[1]),
        sshHostKey: ready[2] as string,
        pid: child.pid as number,
        logs: () => logs,
        waitForLog(match, timeoutMs = 20_000) {
          const line = logs.split('\n').find((l) => match.test(l));
          if (line !== undefined) return Promise.resolve(line);
          return new Promise((res, rej) => {
            const waiter = { match, resolve: res };
            waiters.push(waiter);
            setTimeout(() => {
              waiters.splice(waiters.indexOf(waiter), 1);
              rej(new Error(`no log line ${match} within ${timeoutMs} ms:\n${logs}`));
            }, timeoutMs).unref();
          });
        },
        async kill(signal) {
          if (child.exitCode === null && child.signalCode === null) {
            process.kill(child.pid as number, signal);
          }
          // A gateway that does not stop on SIGTERM within 10 s is a failure, not a hang.
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
        },
      });
    });
  });
}

/** A known_hosts file that pins the gateway's PAM SSH key for one local listener. */
export function writeKnownHosts(dir: string, port: number, hostKey: string): string {
  const file = path.join(dir, `known_hosts_${port}`);
  writeFileSync(file, `[127.0.0.1]:${port} ${hostKey}\n`, { mode: 0o600 });
  return file;
}

/** Options every person-side ssh/scp/sftp gets: no user config, no agent, strict host keys. */
export function personSshOptions(knownHosts: string): string[] {
  return [
    '-F',
    '/dev/null',
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'IdentityAgent=none',
    '-o',
    'ConnectTimeout=30',
  ];
}

export interface RunResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs a client to completion (bounded), with optional stdin. */
export function runClient(
  command: string,
  args: string[],
  options: { input?: string | Buffer; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C.UTF-8', ...options.env },
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr: err });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}
