import { spawn } from 'node:child_process';

export interface PsqlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface PsqlOptions {
  /** `-v ON_ERROR_STOP=1`: the first failing statement ends the run with exit code 3. */
  onErrorStop?: boolean;
  /** Sees the child before the script is written (to signal or kill it mid-run). */
  onSpawn?: (child: ReturnType<typeof spawn>) => void;
}

/**
 * Runs the real psql against a PAM listener on loopback as a user and database that do not exist
 * (the gateway replaces both), the script on stdin. `-w`: psql never prompts, so a password
 * request would fail the run.
 *
 * @example
 *   const { stdout } = await runPsql(tunnel.port, 'SELECT 40 + 2;');
 */
export function runPsql(
  port: number,
  script: string,
  options: PsqlOptions = {},
): Promise<PsqlResult> {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-U', 'nobody', '-d', 'nowhere'];
  args.push('-w', '-X', '-q', '-A', '-t');
  if (options.onErrorStop ?? true) args.push('-v', 'ON_ERROR_STOP=1');
  const child = spawn('psql', args, {
    env: { PATH: process.env.PATH, PGCONNECT_TIMEOUT: '20', LC_ALL: 'C' },
  });
  options.onSpawn?.(child);
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  child.stdin.end(script);
  return new Promise((resolve) =>
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      }),
    ),
  );
}
