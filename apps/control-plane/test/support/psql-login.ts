import { spawn } from 'node:child_process';
import { findPsql } from '@burrow/test-support';

/**
 * Runs the real psql as `user`/`password` against 127.0.0.1:`port` (TCP, so the password is
 * checked), the script in `-c`, ON_ERROR_STOP; `-w` so a missing password fails instead of
 * prompting. Resolves with psql's exit code and output (unaligned, tuples only).
 *
 * @example
 *   const { code, stdout } = await psqlAs(pg.port, 'orders', user, password, 'SELECT current_user');
 */
export interface PsqlOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function psqlAs(
  port: number,
  database: string,
  user: string,
  password: string,
  sql: string,
): Promise<PsqlOutcome> {
  const psql = findPsql();
  if (!psql) throw new Error('psql is not installed');
  const child = spawn(
    psql,
    [
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-U',
      user,
      '-d',
      database,
      '-w',
      '-X',
      '-q',
      '-A',
      '-t',
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      sql,
    ],
    { env: { PATH: process.env.PATH, PGPASSWORD: password, PGCONNECT_TIMEOUT: '20', LC_ALL: 'C' } },
  );
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  return new Promise((resolve) =>
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(stdout).toString('utf8').trim(),
        stderr: Buffer.concat(stderr).toString('utf8').trim(),
      }),
    ),
  );
}

/** Polls `check` until it returns a value other than undefined, or fails after `deadlineMs` naming `what`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  deadlineMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
