import { describe, expect, it } from '@jest/globals';
import { interleave } from '../src/interleave.ts';
import { resultsMarkdown } from '../src/results-markdown.ts';
import { checkTargets } from '../src/targets.ts';
import { benchResults, measurements } from './bench-results-fixture.ts';

describe('interleave', () => {
  it('runs each step on every path in turn, the whole round once per repetition', async () => {
    const order: string[] = [];
    const results = await interleave(2, ['up', 'down'], ['a', 'b'], async (step, path, n) => {
      order.push(`${n}:${step}:${path}`);
      return order.length;
    });
    expect(order).toEqual([
      '1:up:a',
      '1:up:b',
      '1:down:a',
      '1:down:b',
      '2:up:a',
      '2:up:b',
      '2:down:a',
      '2:down:b',
    ]);
    expect(results[5]).toEqual({ step: 'up', path: 'b', repetition: 2, result: 6 });
  });
});

describe('checkTargets over repetitions', () => {
  // burrow / openssh-openssl single-stream up: 1.6, 1.4, 1.55 in the three rounds.
  const results = benchResults([
    { 'openssh-openssl': measurements([100, 100], [10]), burrow: measurements([160, 50], [4]) },
    { 'openssh-openssl': measurements([200, 100], [10]), burrow: measurements([280, 50], [6]) },
    { 'openssh-openssl': measurements([100, 100], [10]), burrow: measurements([155, 50], [5]) },
  ]);
  const check = (prefix: string) => checkTargets(results).find((c) => c.target.startsWith(prefix))!;

  it('gives the median, min and max of the ratio within each repetition, met on the median', () => {
    const up = check('single-stream throughput up');
    expect(up.spread).toEqual({ median: 1.55, min: 1.4, max: 1.6 });
    expect(up.met).toBe(true);
    expect(up.measured).toBe('160 vs 100 MiB/s = 1.55 × (1.40–1.60)');
    const setup = check('new-stream setup p50');
    expect(setup.spread).toEqual({ median: 0.5, min: 0.4, max: 0.6 });
    expect(setup.met).toBe(true);
  });

  it('shows the ratio ranges in latest.md', () => {
    const markdown = resultsMarkdown(results);
    expect(markdown).toContain('burrow measurements: 3, interleaved');
    // Throughput table, up × 1: burrow / openssh-openssl per repetition.
    expect(markdown).toMatch(/\| up × 1 \|.*\| 1\.55 × \(1\.40–1\.60\) \|$/m);
    // Setup stage by stage: burrow resumed p50 per repetition 1, 1.5, 1.25 ms connecting -> 1.25.
    expect(markdown).toContain('| burrow | resumed | connect | 1.250 |');
  });
});
