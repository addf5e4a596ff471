/**
 * `scripts/install-cli.sh` puts the four commands on PATH (README "Commands on PATH"): each
 * wrapper runs its built app with Node 24 even when the `node` first on PATH is older, and all
 * four answer `--version` and `-v` alike (`-V` too on relay and control plane, their old flag).
 * `--uninstall` removes exactly the wrappers it wrote.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const SCRIPT = path.join(repoRoot, 'scripts', 'install-cli.sh');
const COMMANDS = {
  burrow: 'access-cli',
  'burrow-relay': 'relay',
  'burrow-gateway': 'gateway',
  'burrow-control-plane': 'control-plane',
} as const;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-install-cli-'));
const binDir = path.join(dir, 'bin');
/** What a person's shell has: the installed commands, then the system's (maybe older) node. */
const userPath = [binDir, '/usr/local/bin', '/usr/bin', '/bin'].join(path.delimiter);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { env, encoding: 'utf8', timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

const asUser = (command: string, args: string[]): Promise<Run> =>
  run(command, args, { PATH: userPath, HOME: dir });

function appVersion(app: string): string {
  const file = path.join(repoRoot, 'apps', app, 'package.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

beforeAll(async () => {
  // The toolchain's Node is on the test runner's PATH; the built apps are in dist/.
  const install = await run('bash', [SCRIPT, '--no-build', '--bin-dir', binDir], {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
  });
  expect(install).toMatchObject({ code: 0 });
  expect(install.stdout).toContain(`${binDir} is not on PATH; add it`);
}, 120_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('install-cli.sh', () => {
  it.each(Object.entries(COMMANDS))(
    '%s is on PATH and prints its version for --version and -v',
    async (command, app) => {
      const version = `${appVersion(app)}\n`;
      expect(fs.statSync(path.join(binDir, command)).mode & 0o777).toBe(0o755);
      for (const flag of ['--version', '-v'])
        expect(await asUser(command, [flag])).toEqual({ code: 0, stdout: version, stderr: '' });
      const help = await asUser(command, ['--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: ${command} `);
      expect(help.stdout).toContain('-v, --version');
    },
  );

  it('keeps -V as the version flag of relay and control plane', async () => {
    for (const command of ['burrow-relay', 'burrow-control-plane'])
      expect(await asUser(command, ['-V'])).toMatchObject({ code: 0, stdout: '0.1.0\n' });
  });

  it('refuses an unknown argument with its usage (exit 2)', async () => {
    const result = await run('bash', [SCRIPT, '--bogus'], { PATH: process.env.PATH });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("install-cli.sh: unknown argument '--bogus'");
    expect(result.stderr).toContain('--bin-dir DIR');
  });

  it('--uninstall removes the four wrappers it wrote and leaves other files alone', async () => {
    const foreign = path.join(binDir, 'psql');
    fs.writeFileSync(foreign, '#!/bin/sh\n', { mode: 0o755 });
    const result = await run('bash', [SCRIPT, '--uninstall', '--bin-dir', binDir], {
      PATH: process.env.PATH,
    });
    expect(result.code).toBe(0);
    expect(fs.readdirSync(binDir)).toEqual(['psql']);
  });
});
