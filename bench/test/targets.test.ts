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

  it("shows the relay's and the gateway's own stages, each the median of the repetitions", () => {
    const withStages = (channelOpenMs: number, buffered: number) => {
      const burrow = measurements([100, 100], [5]);
      burrow.setupResumed.processStages = {
        stages: [
          { process: 'relay', stage: 'channel_open', count: 500, mean: channelOpenMs, p50: 0.4 },
          { process: 'gateway', stage: 'inner_tls', count: 500, mean: 1.5, p50: 1.2 },
        ],
        callerBytesAtChannelOpen: { buffered, notYet: 500 - buffered },
      };
      return { burrow };
    };
    const markdown = resultsMarkdown(
      benchResults([withStages(0.5, 500), withStages(0.9, 498), withStages(0.7, 499)]),
    );
    expect(markdown).toContain('### Setup stage by stage, in the relay and the gateway (ms)');
    expect(markdown).toContain('| burrow | resumed | relay | channel_open | 500 | 0.400 | 0.700 |');
    expect(markdown).toContain('| burrow | resumed | gateway | inner_tls | 500 | 1.200 | 1.500 |');
    expect(markdown).toMatch(/when their channel to the gateway opened .*: resumed 499 of 500\./);
    // Full handshakes were not scraped here: no row, no count.
    expect(markdown).not.toContain('| burrow | full | relay |');
  });
});
