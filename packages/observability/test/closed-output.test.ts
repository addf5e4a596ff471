import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const MODULE = pathToFileURL(new URL('../src/closed-output.ts', import.meta.url).pathname).href;

/**
 * A child that writes one line, then (once its reader has gone) 200 KB more to stdout and stderr
 * and exits 0 on its own. Resolves with its exit code after the parent closed both pipes.
 */
async function runWithClosedPipes(dropOutput: boolean): Promise<number | null> {
  const script = `
    ${dropOutput ? `const { dropOutputToClosedPipes } = await import(${JSON.stringify(MODULE)}); dropOutputToClosedPipes();` : ''}
    process.stdout.write('first line\\n');
    process.stdin.once('data', () => {
      for (let i = 0; i < 200; i++) process.stdout.write('x'.repeat(1000) + '\\n');
      for (let i = 0; i < 200; i++) process.stderr.write('y'.repeat(1000) + '\\n');
      setTimeout(() => process.exit(0), 100);
    });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit') as Promise<[number | null]>;
  // A child stuck in a write is a failure, not a hung test run.
  const deadline = setTimeout(() => child.kill('SIGKILL'), 20_000);
  try {
    const [first] = (await once(child.stdout, 'data')) as [Buffer];
    expect(first.toString()).toBe('first line\n');
    // The reader goes away (like `| head -1`), then the child is told to write more.
    child.stdout.destroy();
    child.stderr.destroy();
    child.stdin.end('go\n');
    const [code] = await exited;
    return code;
  } finally {
    clearTimeout(deadline);
    child.kill('SIGKILL');
  }
}

describe('dropOutputToClosedPipes', () => {
  it('keeps the process alive when stdout and stderr readers have gone (EPIPE)', async () => {
    expect(await runWithClosedPipes(true)).toBe(0);
  });

  it('is what makes the difference: without it the first write after EPIPE kills the process', async () => {
    expect(await runWithClosedPipes(false)).not.toBe(0);
  });
});
