import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import {
  failureText,
  keyTypeLeverMarkdown,
  parseKeyAlgorithms,
  type KeyTypeLeverResult,
  type KeyTypeMeasurement,
} from '../src/key-type-lever.ts';
import type { SetupMeasurement } from '../src/path-measurements.ts';
import { percentiles } from '../src/percentiles.ts';
import { resultsMarkdown } from '../src/results-markdown.ts';
import { benchResults, measurements } from './bench-results-fixture.ts';

const main = path.join(import.meta.dirname, '..', 'src', 'main.ts');
const bench = (...args: string[]) =>
  spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('--key-algorithms', () => {
  it('takes the names BURROW_KEY_ALGORITHM takes, in the order given', () => {
    expect(parseKeyAlgorithms('rsa-2048,ecdsa-p256,ed25519')).toEqual([
      'rsa-2048',
      'ecdsa-p256',
      'ed25519',
    ]);
    expect(parseKeyAlgorithms('ed25519')).toEqual(['ed25519']);
  });

  it('refuses an unknown, empty or repeated name, naming the accepted ones', () => {
    expect(() => parseKeyAlgorithms('ecdsa-p256,p384')).toThrow(
      '--key-algorithms: "p384" is not one of ecdsa-p256, rsa-2048, ed25519',
    );
    expect(() => parseKeyAlgorithms('ecdsa-p256,')).toThrow('"" is not one of');
    expect(() => parseKeyAlgorithms('rsa-2048,ecdsa-p256,rsa-2048')).toThrow(
      '--key-algorithms: "rsa-2048" is given twice',
    );
  });

  it('is in pnpm bench --help, and a bad value stops the bench before it starts anything', () => {
    const help = bench('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(
      /^ {2}--key-algorithms=<list>\n.*\n\s+BURROW_KEY_ALGORITHM \(ecdsa-p256, rsa-2048, ed25519\)/m,
    );
    const bad = bench('--paths=burrow', '--key-algorithms=rsa');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^bench: --key-algorithms: "rsa" is not one of/);
    expect(bad.stderr).not.toContain('[bench');
  });
});

function setup(p50: number, relayCpuMs: number, capped = false): SetupMeasurement {
  return {
    ...percentiles([p50, p50, p50 * 3]),
    capped,
    cpuMsPerStream: { caller: 2, relay: relayCpuMs, gateway: 1.5, target: 0 },
  };
}

const run = (
  full: number,
  resumed: number,
  relayCpuMs: number,
  capped = false,
): KeyTypeMeasurement => ({
  setupFull: setup(full, relayCpuMs, capped),
  setupResumed: setup(resumed, relayCpuMs / 2),
});

// Full p50 per repetition: ecdsa-p256 10, 20, 30; rsa-2048 12, 30, 33 — ratios 1.2, 1.5, 1.1,
// median 1.2 (the ratio of the medians, 30 / 20 = 1.5, is not what a round-by-round ratio gives).
const lever: KeyTypeLeverResult = {
  algorithms: ['ecdsa-p256', 'rsa-2048', 'ed25519'],
  baseline: 'ecdsa-p256',
  certificates: {
    'ecdsa-p256': { caller: 'ec prime256v1', gateway: 'ec prime256v1' },
    'rsa-2048': { caller: 'rsa 2048', gateway: 'rsa 2048' },
  },
  repetitions: [
    { 'ecdsa-p256': run(10, 5, 2), 'rsa-2048': run(12, 5, 3) },
    { 'ecdsa-p256': run(20, 4, 2), 'rsa-2048': run(30, 6, 4, true) },
    { 'ecdsa-p256': run(30, 6, 4), 'rsa-2048': run(33, 6, 4) },
  ],
  failed: {
    ed25519:
      'control-plane exited during start-up … BURROW_KEY_ALGORITHM must be one of ecdsa-p256 | rsa-2048',
  },
};

describe('latest.md: Lever: certificate key type', () => {
  const markdown = keyTypeLeverMarkdown(lever, 500).join('\n');
  const row = (algorithm: string): string[] =>
    markdown
      .split('\n')
      .find((line) => line.startsWith(`| ${algorithm}`))!
      .split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((cell) => cell.trim());

  it('gives medians per key type and ratios to the default within each repetition', () => {
    expect(row('ecdsa-p256')).toEqual([
      'ecdsa-p256 (baseline)',
      'ec prime256v1 / ec prime256v1',
      '20.00', // full p50
      '60.00', // full p99 (the third stream of each series took 3 × p50)
      '5.00', // resumed p50
      '15.00',
      '2.00 / 1.50 / 2.00', // relay / gateway / caller CPU ms per full stream
      '1.00 / 1.50 / 2.00',
      '1.00 × (1.00–1.00)',
      '1.00 × (1.00–1.00)',
      '1.00 × (1.00–1.00)',
    ]);
    expect(row('rsa-2048')).toEqual([
      'rsa-2048',
      'rsa 2048 / rsa 2048',
      '30.00',
      '90.00 (capped at 3 streams)',
      '6.00',
      '18.00',
      '4.00 / 1.50 / 2.00',
      '2.00 / 1.50 / 2.00',
      '1.20 × (1.10–1.50)',
      '1.00 × (1.00–1.50)', // resumed: 5/5, 6/4, 6/6
      '1.50 × (1.00–2.00)', // relay CPU: 3/2, 4/2, 4/4
    ]);
  });

  it('says why a key type was not measured, keeping the table intact', () => {
    const cells = row('ed25519');
    expect(cells).toHaveLength(11);
    expect(cells[1]).toBe(
      'not measured: control-plane exited during start-up … BURROW_KEY_ALGORITHM must be one of ecdsa-p256 \\| rsa-2048',
    );
  });

  it("puts a stack's start-up failure on one line, with the log's last line", () => {
    const error = new Error(
      'control-plane exited during start-up; see /tmp/burrow-stack-x/control-plane.log:\n' +
        '{"level":30,"msg":"starting"}\n' +
        'burrow-control-plane: invalid configuration: BURROW_KEY_ALGORITHM must be one of ecdsa-p256, rsa-2048, got "ed25519"\n',
    );
    expect(failureText(error)).toBe(
      'control-plane exited during start-up: burrow-control-plane: invalid configuration: BURROW_KEY_ALGORITHM must be one of ecdsa-p256, rsa-2048, got "ed25519"',
    );
    expect(failureText(new Error('dial timed out'))).toBe('dial timed out');
  });

  it('is part of latest.md when the run measured it', () => {
    const results = benchResults([{ burrow: measurements([300, 300], [4]) }]);
    expect(resultsMarkdown(results)).not.toContain('Lever: certificate key type');
    results.keyTypeLever = lever;
    const full = resultsMarkdown(results);
    expect(full).toContain('## Lever: certificate key type');
    expect(full).toContain('| rsa-2048 | rsa 2048 / rsa 2048 | 30.00 |');
  });
});
