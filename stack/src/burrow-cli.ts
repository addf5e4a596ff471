import { execFile } from 'node:child_process';
import path from 'node:path';
import { ManagedProcess } from './managed-process.ts';

/**
 * The real `burrow` binary (apps/access-cli/dist/main.js) for cross-app tests and the demo:
 * {@link runBurrow} for commands that finish (login, sessions show), {@link startBurrow} for
 * `burrow pam access`, which serves until it is sent SIGINT (Ctrl-C) — stopped by its PID.
 *
 * Each call gets a clean environment (PATH, HOME, TMPDIR, LANG, TZ) plus `BURROW_CONFIG_DIR`
 * and what the caller adds, so nothing from the test runner's environment leaks in.
 *
 * @example
 *   await runBurrow(['login', '--domain', stack.apiUrl, '--client-id', id], { configDir, env: { INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET: secret } });
 *   const access = startBurrow(['pam', 'access', 'prod/orders-db'], { configDir, logFile });
 *   const port = Number((await access.waitFor(/port=(\d+)/)).match(/port=(\d+)/)?.[1]);
 */
export const BURROW_CLI = path.resolve(
  import.meta.dirname,
  '..',
  '..',
  'apps/access-cli/dist/main.js',
);

export interface BurrowRunOptions {
  /** BURROW_CONFIG_DIR: where the login is stored. */
  configDir: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export interface BurrowResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function burrowEnv(
  configDir: string,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'])
    if (process.env[key]) env[key] = process.env[key];
  return { ...env, BURROW_CONFIG_DIR: configDir, ...extra };
}

/** Runs `burrow <args>` to completion; never rejects for a non-zero exit (see `code`). */
export function runBurrow(args: string[], options: BurrowRunOptions): Promise<BurrowResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BURROW_CLI, ...args],
      {
        env: burrowEnv(options.configDir, options.env),
        timeout: options.timeoutMs ?? 60_000,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/** Starts a long-running `burrow <args>` (e.g. `pam access`) as a ManagedProcess. */
export function startBurrow(
  args: string[],
  options: BurrowRunOptions & { logFile: string; name?: string },
): ManagedProcess {
  return new ManagedProcess({
    name: options.name ?? `burrow ${args.slice(0, 2).join(' ')}`,
    command: process.execPath,
    args: [BURROW_CLI, ...args],
    env: burrowEnv(options.configDir, options.env),
    logFile: options.logFile,
  });
}
