/**
 * `burrow-gateway systemd install|uninstall` as a process into a scratch tree with --root: the
 * reference's file locations, a 0600 env file holding the secrets, a unit that
 * `systemd-analyze verify` accepts, and nothing written for bad settings.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { parseEnvFile } from '@burrow/systemd-install';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-gateway-systemd-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['--conditions=source', '--no-warnings', MAIN, ...args], {
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
    timeout: 90_000, // a hang detector: a loaded 2-core machine takes seconds to start node
  });
}

describe('burrow-gateway systemd', () => {
  const root = path.join(scratch, 'root');
  const unitPath = path.join(root, 'etc/systemd/system/gw-1.service');
  const envPath = path.join(root, 'etc/infisical/gateways/gw-1.conf');

  it('install writes the unit and a 0600 env file with the name and every setting given', () => {
    const token = 'token-not-in-the-unit-77c1';
    const result = run(
      ['systemd', 'install', 'gw-1', '--root', root, '--target-relay-name', 'edge-1'],
      { INFISICAL_API_URL: 'https://burrow.example.com', INFISICAL_TOKEN: token },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([envPath, unitPath]);
    expect(fs.statSync(envPath).mode & 0o777).toBe(0o600);
    expect(parseEnvFile(fs.readFileSync(envPath, 'utf8'))).toEqual({
      INFISICAL_GATEWAY_NAME: 'gw-1',
      INFISICAL_RELAY_NAME: 'edge-1',
      INFISICAL_API_URL: 'https://burrow.example.com',
      INFISICAL_TOKEN: token,
    });
    const unit = fs.readFileSync(unitPath, 'utf8');
    expect(unit).not.toContain(token);
    expect(unit).toContain('EnvironmentFile=/etc/infisical/gateways/gw-1.conf');
    expect(unit).toMatch(/^ExecStart=\S+ \S+main\.ts start$/m);
  });

  it('the unit passes systemd-analyze verify (where systemd-analyze exists)', () => {
    const probe = spawnSync('systemd-analyze', ['--version']);
    if (probe.status !== 0) return; // documented fallback: the structural checks above
    const verify = spawnSync('systemd-analyze', ['verify', unitPath], { encoding: 'utf8' });
    expect(verify.stderr).toBe('');
    expect(verify.status).toBe(0);
  });

  it('refuses bad settings with exit 2, naming the setting, and writes nothing', () => {
    const other = path.join(scratch, 'refused');
    // (No relay name at all is fine: the gateway then selects one itself.)
    const result = run(
      ['systemd', 'install', 'gw-2', '--root', other, '--target-relay-name', 'Edge 1'],
      { INFISICAL_API_URL: 'https://burrow.example.com', INFISICAL_TOKEN: 't' },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(
      /^burrow-gateway systemd: --target-relay-name \(INFISICAL_RELAY_NAME\)/,
    );
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(fs.existsSync(other)).toBe(false);
  });

  it('install carries INFISICAL_DOMAIN and INFISICAL_CUSTOM_HEADERS (no flags) into the env file', () => {
    const other = path.join(scratch, 'control-plane-env');
    const result = run(
      ['systemd', 'install', 'gw-3', '--root', other, '--target-relay-name', 'edge-1'],
      {
        INFISICAL_DOMAIN: 'https://burrow.example.com',
        INFISICAL_CUSTOM_HEADERS: 'X-Org=acme',
        INFISICAL_TOKEN: 'token-1',
      },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(
      parseEnvFile(fs.readFileSync(path.join(other, 'etc/infisical/gateways/gw-3.conf'), 'utf8')),
    ).toEqual({
      INFISICAL_GATEWAY_NAME: 'gw-3',
      INFISICAL_RELAY_NAME: 'edge-1',
      INFISICAL_DOMAIN: 'https://burrow.example.com',
      INFISICAL_CUSTOM_HEADERS: 'X-Org=acme',
      INFISICAL_TOKEN: 'token-1',
    });
  });

  it('uninstall removes what install wrote', () => {
    const result = run(['systemd', 'uninstall', 'gw-1', '--root', root]);
    expect(result.status).toBe(0);
    expect(fs.existsSync(unitPath)).toBe(false);
    expect(fs.existsSync(envPath)).toBe(false);
  });
});
