/**
 * buildSystemdCommand, the `systemd install|uninstall` command both programs mount: options from
 * the program's settings, its environment callback deciding what is written, the files printed,
 * and exit 2 (one line, nothing written) for a bad setting.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, jest } from '@jest/globals';
import { buildSystemdCommand, parseEnvFile } from '../src/index.ts';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-systemd-command-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
afterEach(() => {
  jest.restoreAllMocks();
  process.exitCode = undefined;
});

class BadSetting extends Error {}

const command = () =>
  buildSystemdCommand({
    kind: 'gateway',
    program: 'burrow-test',
    settings: [{ flags: '--colour <value>', help: 'a colour', env: 'TEST_COLOUR' }],
    environment(name, options, { env, typed }) {
      if (options.colour === 'plaid') throw new BadSetting('--colour (TEST_COLOUR): no plaid');
      return {
        TEST_NAME: name,
        ...(options.colour ? { TEST_COLOUR: options.colour } : {}),
        ...(options.colour ? { TEST_COLOUR_TYPED: String(typed('colour')) } : {}),
        // a setting without a flag, read from install's environment
        ...(env.TEST_SHADE ? { TEST_SHADE: env.TEST_SHADE } : {}),
      };
    },
    isSettingError: (error) => error instanceof BadSetting,
  });

async function run(args: string[]): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  await command().parseAsync(args, { from: 'user' });
  jest.restoreAllMocks();
  return { stdout, stderr };
}

describe('buildSystemdCommand', () => {
  const root = path.join(scratch, 'root');
  const envPath = path.join(root, 'etc/infisical/gateways/gw-1.conf');
  const unitPath = path.join(root, 'etc/systemd/system/gw-1.service');

  it('install writes what the environment callback returns and prints the files', async () => {
    const { stdout, stderr } = await run(['install', 'gw-1', '--colour', 'teal', '--root', root]);
    expect(stderr).toBe('');
    expect(process.exitCode).toBeUndefined();
    expect(stdout.trim().split('\n')).toEqual([envPath, unitPath]);
    expect(parseEnvFile(fs.readFileSync(envPath, 'utf8'))).toEqual({
      TEST_NAME: 'gw-1',
      TEST_COLOUR: 'teal',
      TEST_COLOUR_TYPED: 'true',
    });
  });

  it("the environment callback sees install's environment and which options were typed", async () => {
    const other = path.join(scratch, 'from-env');
    process.env.TEST_COLOUR = 'navy';
    process.env.TEST_SHADE = 'dark';
    try {
      const { stderr } = await run(['install', 'gw-3', '--root', other]);
      expect(stderr).toBe('');
    } finally {
      delete process.env.TEST_COLOUR;
      delete process.env.TEST_SHADE;
    }
    expect(
      parseEnvFile(fs.readFileSync(path.join(other, 'etc/infisical/gateways/gw-3.conf'), 'utf8')),
    ).toEqual({
      TEST_NAME: 'gw-3',
      TEST_COLOUR: 'navy',
      TEST_COLOUR_TYPED: 'false',
      TEST_SHADE: 'dark',
    });
  });

  it('a bad setting exits 2 with one line and writes nothing', async () => {
    const other = path.join(scratch, 'other');
    const { stdout, stderr } = await run(['install', 'gw-2', '--colour', 'plaid', '--root', other]);
    expect(process.exitCode).toBe(2);
    expect(stderr).toBe('burrow-test systemd: --colour (TEST_COLOUR): no plaid\n');
    expect(stdout).toBe('');
    expect(fs.existsSync(other)).toBe(false);
  });

  it('any other failure exits 1; uninstall prints what it removed, then that nothing is left', async () => {
    const invalid = await run(['install', 'Not_A_Slug', '--root', root]);
    expect(process.exitCode).toBe(1);
    expect(invalid.stderr).toMatch(/^burrow-test systemd: service name "Not_A_Slug"/);
    process.exitCode = undefined;

    const removed = await run(['uninstall', 'gw-1', '--root', root]);
    expect(removed.stdout.trim().split('\n').sort()).toEqual([envPath, unitPath].sort());
    const again = await run(['uninstall', 'gw-1', '--root', root]);
    expect(again.stdout).toBe('nothing installed for gw-1\n');
  });
});
