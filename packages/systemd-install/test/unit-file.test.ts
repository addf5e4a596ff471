import { describe, expect, it } from '@jest/globals';
import { renderUnitFile } from '../src/index.ts';

const unit = renderUnitFile({
  description: 'Burrow relay edge-1',
  execStart: ['/usr/bin/node', '/opt/burrow/relay/dist/main.js', 'start'],
  environmentFile: '/etc/infisical/relays/edge-1.env.conf',
});

/** `[Section]` -> key -> values, enough to check what systemd would read. */
function sections(text: string): Map<string, Map<string, string[]>> {
  const result = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      current = new Map();
      result.set(header[1] as string, current);
      continue;
    }
    const [key, ...rest] = line.split('=');
    if (current === undefined || key === undefined) throw new Error(`stray line ${line}`);
    current.set(key, [...(current.get(key) ?? []), rest.join('=')]);
  }
  return result;
}

describe('renderUnitFile', () => {
  const parsed = sections(unit);
  const service = parsed.get('Service');

  it('has the reference template: restart on failure, start on boot, env file', () => {
    expect([...parsed.keys()]).toEqual(['Unit', 'Service', 'Install']);
    expect(service?.get('Type')).toEqual(['notify']);
    expect(service?.get('NotifyAccess')).toEqual(['all']);
    expect(service?.get('EnvironmentFile')).toEqual(['/etc/infisical/relays/edge-1.env.conf']);
    expect(service?.get('ExecStart')).toEqual([
      '/usr/bin/node /opt/burrow/relay/dist/main.js start',
    ]);
    expect(service?.get('Restart')).toEqual(['on-failure']);
    expect(parsed.get('Install')?.get('WantedBy')).toEqual(['multi-user.target']);
    expect(parsed.get('Unit')?.get('After')).toEqual(['network-online.target']);
  });

  it("has the reference's hardening and limits", () => {
    expect(service?.get('InaccessiblePaths')).toEqual(['/home']);
    expect(service?.get('PrivateTmp')).toEqual(['yes']);
    expect(service?.get('LimitCORE')).toEqual(['infinity']);
    expect(service?.get('LimitNOFILE')).toEqual(['1000000']);
    expect(service?.get('LimitNPROC')).toEqual(['60000']);
    expect(service?.get('LimitRTPRIO')).toEqual(['infinity']);
    expect(service?.get('LimitRTTIME')).toEqual(['7000000']);
  });

  it('holds no Environment= line (secrets only in the env file)', () => {
    expect(service?.has('Environment')).toBe(false);
  });

  it('appends to a log file when asked', () => {
    const withLog = sections(
      renderUnitFile({
        description: 'x',
        execStart: ['/usr/bin/node', '/x.js', 'start'],
        environmentFile: '/etc/x.conf',
        logFile: '/var/log/burrow/x.log',
      }),
    ).get('Service');
    expect(withLog?.get('StandardOutput')).toEqual(['append:/var/log/burrow/x.log']);
    expect(withLog?.get('StandardError')).toEqual(['inherit']);
  });
});
