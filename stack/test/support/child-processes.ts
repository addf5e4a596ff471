import type { ChildProcess } from 'node:child_process';
import { sleep } from '../../src/index.ts';

/**
 * Watching the programs a stack test starts itself (`burrow-stack`, `burrow pam access`): whether
 * a PID still runs, waiting for a condition, reading stdout up to a line.
 *
 * @example
 *   const screen = await readUntil(stack, /Press Ctrl-C/, 150_000);
 *   await waitUntil(() => pids.every((pid) => !isAlive(pid)), 10_000);
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}

/** Collects `child`'s stdout until `pattern` shows up; rejects if it exits or takes too long. */
export function readUntil(
  child: ChildProcess,
  pattern: RegExp,
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    let errors = '';
    const done = (error?: Error): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(text);
    };
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('utf8');
      if (pattern.test(text)) done();
    };
    const onExit = (code: number | null): void =>
      done(new Error(`exited (${code}) before ${pattern}:\n${text}\n${errors}`));
    const timer = setTimeout(
      () => done(new Error(`no ${pattern} within ${timeoutMs} ms:\n${text}\n${errors}`)),
      timeoutMs,
    );
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString('utf8')));
    child.on('exit', onExit);
  });
}
