/**
 * `burrow-relay systemd install|uninstall` as a process (dist/main.js) into a scratch tree with
 * --root: the reference's file locations, a 0600 env file holding the secrets, a unit that
 * `systemd-analyze verify` accepts, and nothing written for bad settings.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { parseEnvFile } from '@burrow/systemd-install';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-relay-systemd-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [MAIN, ...args], {
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
    timeout: 90_000, // a hang detector: a loaded 2-core machine takes seconds to start node
  });
}

describe('burrow-relay systemd', () => {
  const root = path.join(scratch, 'root');
  const unitPath = path.join(root, 'etc/systemd/system/edge-1.service');
  const envPath = path.join(root, 'etc/infisical/relays/edge-1.env.conf');

  it('install writes the unit and a 0600 env file with every setting given', () => {
    const secret = 'not-in-the-unit-3f9a';
    const result = run(
      ['systemd', 'install', 'edge-1', '--root', root, '--host', 'relay.example.com'],
      {
        INFISICAL_API_URL: 'https://burrow.example.com',
        INFISICAL_UNIVERSAL_AUTH_CLIENT_ID: 'client-id-1',
        INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET: secret,
      },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([envPath, unitPath]);
    expect(fs.statSync(envPath).mode & 0o777).toBe(0o600);
    expect(parseEnvFile(fs.readFileSync(envPath, 'utf8'))).toEqual({
      INFISICAL_RELAY_NAME: 'edge-1',
      INFISICAL_RELAY_TYPE: 'org',
      INFISICAL_RELAY_HOST: 'relay.example.com',
      INFISICAL_API_URL: 'https://burrow.example.com',
      INFISICAL_UNIVERSAL_AUTH_CLIENT_ID: 'client-id-1',
      INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET: secret,
    });
    const unit = fs.readFileSync(unitPath, 'utf8');
    expect(unit).not.toContain(secret);
    expect(unit).toContain('EnvironmentFile=/etc/infisical/relays/edge-1.env.conf');
    expect(unit).toContain(`ExecStart=${process.execPath} ${fs.realpathSync(MAIN)} start`);
  });

  it('the unit passes systemd-analyze verify (where systemd-analyze exists)', () => {
    const probe = spawnSync('systemd-analyze', ['--version']);
    if (probe.status !== 0) return; // documented fallback: the structural checks above
    const verify = spawnSync('systemd-analyze', ['verify', unitPath], { encoding: 'utf8' });
    expect(verify.stderr).toBe('');
    expect(verify.status).toBe(0);
  });

  it('refuses bad settings with exit 2, one line naming each, and writes nothing', () => {
    const other = path.join(scratch, 'refused');
    const result = run(['systemd', 'install', 'edge-2', '--root', other], {
      INFISICAL_API_URL: 'https://burrow.example.com',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'burrow-relay systemd: --host (INFISICAL_RELAY_HOST): is required\n' +
        'burrow-relay systemd: universal auth needs a client ID: set --client-id or INFISICAL_UNIVERSAL_AUTH_CLIENT_ID (or give a token with --token / INFISICAL_TOKEN)\n',
    );
    expect(fs.existsSync(other)).toBe(false);
  });

  it('install carries INFISICAL_DOMAIN and INFISICAL_CUSTOM_HEADERS (no flags) into the env file; a typed --domain beats them', () => {
    const other = path.join(scratch, 'control-plane-env');
    const env = {
      INFISICAL_DOMAIN: 'https://burrow.example.com',
      INFISICAL_API_URL: 'https://stale.example.com',
      INFISICAL_CUSTOM_HEADERS: 'X-Org=acme X-Note="two words"',
      INFISICAL_TOKEN: 'token-1',
    };
    const args = ['systemd', 'install', 'edge-3', '--root', other, '--host', 'relay.example.com'];
    const written = () =>
      parseEnvFile(
        fs.readFileSync(path.join(other, 'etc/infisical/relays/edge-3.env.conf'), 'utf8'),
      );
    const fromEnv = run(args, env);
    expect(fromEnv.stderr).toBe('');
    expect(written()).toEqual({
      INFISICAL_RELAY_NAME: 'edge-3',
      INFISICAL_RELAY_TYPE: 'org',
      INFISICAL_RELAY_HOST: 'relay.example.com',
      INFISICAL_DOMAIN: 'https://burrow.example.com',
      INFISICAL_CUSTOM_HEADERS: 'X-Org=acme X-Note="two words"',
      INFISICAL_TOKEN: 'token-1',
    });
    const typed = run([...args, '--domain', 'https://typed.example.com'], env);
    expect(typed.stderr).toBe('');
    expect(written()).toMatchObject({ INFISICAL_API_URL: 'https://typed.example.com' });
    expect(written()).not.toHaveProperty('INFISICAL_DOMAIN');
  });

  it('refuses malformed INFISICAL_CUSTOM_HEADERS with exit 2, never quoting a value', () => {
    const other = path.join(scratch, 'bad-headers');
    const result = run(
      ['systemd', 'install', 'edge-4', '--root', other, '--host', 'relay.example.com'],
      {
        INFISICAL_DOMAIN: 'https://burrow.example.com',
        INFISICAL_CUSTOM_HEADERS: 'no-equals-sign-secret-9c1',
        INFISICAL_TOKEN: 'token-1',
      },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^burrow-relay systemd: INFISICAL_CUSTOM_HEADERS/);
    expect(result.stderr).not.toContain('secret-9c1');
    expect(fs.existsSync(other)).toBe(false);
  });

  it('uninstall removes what install wrote', () => {
    const result = run(['systemd', 'uninstall', 'edge-1', '--root', root]);
    expect(result.status).toBe(0);
    expect(fs.existsSync(unitPath)).toBe(false);
    expect(fs.existsSync(envPath)).toBe(false);
  });
});
