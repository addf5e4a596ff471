import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { installService, parseEnvFile, serviceLayout, uninstallService } from '../src/index.ts';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-systemd-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

const script = path.join(scratch, 'opt/burrow/relay/dist/main.js');
fs.mkdirSync(path.dirname(script), { recursive: true });
fs.writeFileSync(script, '');

/** Debian's systemd package ships it; where it is missing the structural unit tests still run. */
const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

/** `systemd-analyze verify` of a unit file; any message on stderr counts as a finding. */
function verifyUnit(unitFile: string): string {
  const result = spawnSync('systemd-analyze', ['verify', unitFile], { encoding: 'utf8' });
  return `${result.status === 0 ? '' : `exit ${result.status}\n`}${result.stderr}`.trim();
}

describe('installService under --root', () => {
  it('writes the unit and a 0600 env file in the reference locations, and no systemctl runs', async () => {
    const root = path.join(scratch, 'relay-root');
    const secret = 'client secret with spaces "and quotes"';
    const installed = await installService({
      kind: 'relay',
      name: 'edge-1',
      root,
      execStart: [process.execPath, script, 'start'],
      environment: {
        INFISICAL_RELAY_NAME: 'edge-1',
        INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET: secret,
      },
    });
    expect(installed.enabled).toBe(false);
    const unitPath = path.join(root, 'etc/systemd/system/edge-1.service');
    const envPath = path.join(root, 'etc/infisical/relays/edge-1.env.conf');
    expect(installed.written).toEqual([envPath, unitPath]);
    expect(fs.statSync(envPath).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(envPath)).mode & 0o777).toBe(0o700);
    expect(fs.statSync(unitPath).mode & 0o777).toBe(0o644);
    const unit = fs.readFileSync(unitPath, 'utf8');
    expect(unit).toContain('EnvironmentFile=/etc/infisical/relays/edge-1.env.conf');
    expect(unit).not.toContain('client secret');
    expect(parseEnvFile(fs.readFileSync(envPath, 'utf8'))).toEqual({
      INFISICAL_RELAY_NAME: 'edge-1',
      INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET: secret,
    });
  });

  it('keeps the env file 0600 under a permissive umask and when it existed with wider bits', async () => {
    const root = path.join(scratch, 'umask-root');
    const layout = serviceLayout('gateway', 'gw-1');
    const envPath = path.join(root, layout.envFilePath);
    fs.mkdirSync(path.dirname(envPath), { recursive: true });
    fs.writeFileSync(envPath, 'old', { mode: 0o644 });
    const previous = process.umask(0);
    try {
      await installService({
        kind: 'gateway',
        name: 'gw-1',
        root,
        execStart: [process.execPath, script, 'start'],
        environment: { INFISICAL_GATEWAY_NAME: 'gw-1' },
      });
    } finally {
      process.umask(previous);
    }
    expect(envPath.endsWith('etc/infisical/gateways/gw-1.conf')).toBe(true);
    expect(fs.statSync(envPath).mode & 0o777).toBe(0o600);
  });

  it('runs daemon-reload then enable, and uninstall disables, removes and reloads', async () => {
    const root = path.join(scratch, 'systemctl-root');
    const calls: string[] = [];
    const systemctl = async (args: readonly string[]): Promise<void> => {
      calls.push(args.join(' '));
    };
    const logFile = '/var/log/burrow/gw-2.log';
    await installService({
      kind: 'gateway',
      name: 'gw-2',
      root,
      systemctl,
      logFile,
      execStart: [process.execPath, script, 'start'],
      environment: { INFISICAL_GATEWAY_NAME: 'gw-2' },
    });
    expect(calls).toEqual(['daemon-reload', 'enable gw-2.service']);
    expect(fs.readFileSync(path.join(root, 'etc/logrotate.d/gw-2'), 'utf8')).toContain(logFile);

    const { removed } = await uninstallService({ kind: 'gateway', name: 'gw-2', root, systemctl });
    expect(calls.slice(2)).toEqual(['disable --now gw-2.service', 'daemon-reload']);
    expect(removed.map((file) => path.relative(root, file)).sort()).toEqual([
      'etc/infisical/gateways/gw-2.conf',
      'etc/logrotate.d/gw-2',
      'etc/systemd/system/gw-2.service',
    ]);
  });

  it('refuses names that cannot be unit names', async () => {
    await expect(
      installService({
        kind: 'relay',
        name: '../evil',
        root: scratch,
        execStart: [process.execPath],
        environment: {},
      }),
    ).rejects.toThrow(/service name/);
  });
});

(hasSystemdAnalyze ? describe : describe.skip)('systemd-analyze verify', () => {
  it('accepts the generated relay and gateway units without a single message', async () => {
    const root = path.join(scratch, 'verify-root');
    for (const kind of ['relay', 'gateway'] as const) {
      const installed = await installService({
        kind,
        name: `verify-${kind}`,
        root,
        logFile: kind === 'gateway' ? '/var/log/burrow/verify-gateway.log' : undefined,
        execStart: [process.execPath, script, 'start'],
        environment: { BURROW_LOG_LEVEL: 'info' },
      });
      expect(verifyUnit(path.join(root, installed.unitPath))).toBe('');
    }
  });

  it('is a real judge: it reports a unit with a missing executable', () => {
    const bad = path.join(scratch, 'bad.service');
    fs.writeFileSync(bad, '[Service]\nExecStart=/nonexistent/node x\n');
    expect(verifyUnit(bad)).toMatch(/not executable/);
  });
});
