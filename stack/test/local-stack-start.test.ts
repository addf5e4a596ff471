/**
 * A LocalStack.start that fails leaves nothing behind (issue 13): no control-plane process and no
 * /tmp/burrow-stack-* scratch dir (it holds the admin token and the CA keys). Two ways to fail:
 * the control plane refuses its configuration and exits, and a control plane that runs but whose
 * bootstrap is refused (its data dir was set up before), which start() must stop itself.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { LocalStack } from '../src/index.ts';

/** PIDs of the processes whose command line mentions `text` (e.g. a data dir). */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const commandLine = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (commandLine.includes(text)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('LocalStack.start failing', () => {
  it('removes the scratch dir it made when the control plane refuses to start', async () => {
    const failure = await LocalStack.start({
      controlPlaneEnv: { RELAY_AUTH_SECRET: 'too short' },
    }).then(
      async (stack) => {
        await stack.stop();
        throw new Error('the control plane started with a 9-character RELAY_AUTH_SECRET');
      },
      (error: unknown) => String(error),
    );
    // The error says why, quoting the control plane's own line from its log...
    expect(failure).toMatch(/control-plane exited during start-up[\s\S]*RELAY_AUTH_SECRET/);
    // ...which was in the scratch dir, now gone with everything in it.
    const workDir = /see (\S+)\/control-plane\.log/.exec(failure)?.[1];
    expect(workDir).toMatch(/burrow-stack-/);
    expect(fs.existsSync(workDir!)).toBe(false);
    expect(processesMentioning(workDir!)).toEqual([]);
  }, 180_000);

  it('stops the control plane it started when a later step fails', async () => {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-start-fails-'));
    scratch.push(workDir);
    const first = await LocalStack.start({ workDir });
    await first.stop();
    // Same data dir: the control plane comes up, and refuses a second bootstrap.
    await expect(LocalStack.start({ workDir })).rejects.toThrow(/already been set up/);
    expect(processesMentioning(workDir)).toEqual([]);
  }, 360_000);
});
