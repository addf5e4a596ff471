/**
 * The run's pictures, written next to latest.md: throughput per path and transfer (median over
 * the repetitions, min–max whiskers) and the new-stream setup latency distribution per path (every
 * stream of every repetition, full handshakes and resumed side by side).
 */
import type { BenchResults } from './bench-results.ts';
import type { PathName } from './bench-path.ts';
import { barChartSvg, distributionChartSvg } from './plot-svg.ts';
import { fmt, overRepetitions } from './targets.ts';

export const PLOT_FILES = { throughput: 'throughput.svg', setupLatency: 'setup-latency.svg' };

const PATHS: PathName[] = ['direct', 'openssh-openssl', 'burrow'];

/** Both SVG documents; a plot is left out when the run has nothing for it. */
export function benchPlots(results: BenchResults): { throughput?: string; setupLatency?: string } {
  const paths = PATHS.filter((name) => results.paths[name]);
  const repetitions = results.repetitions ?? [results.paths];
  const context = `${results.config.quick ? 'QUICK run (tiny sizes, not comparable); ' : ''}${results.startedAt.slice(0, 16).replace('T', ' ')} UTC, load ${fmt(results.loadAverageAtStart, 1)} → ${fmt(results.loadAverageAtEnd, 1)}`;
  const plots: { throughput?: string; setupLatency?: string } = {};

  const transfers = results.paths[paths[0]!]?.throughput ?? [];
  if (paths.length > 0 && transfers.length > 0) {
    plots.throughput = barChartSvg({
      title: 'Throughput per path (MiB/s, higher is better)',
      subtitle: `${fmt(results.config.bulkBytes / 1024 ** 2, 0)} MiB per transfer; ${repetitions.length === 1 ? 'one run per path' : `bar: median of ${repetitions.length} interleaved repetitions, whisker: min–max`}; ${context}`,
      valueLabel: 'MiB/s',
      groups: transfers.map((t) => `${t.direction} × ${t.streams}`),
      series: paths.map((name) => ({
        name,
        values: transfers.map((t) =>
          overRepetitions(
            results,
            (set) =>
              set[name]?.throughput.find(
                (u) => u.direction === t.direction && u.streams === t.streams,
              )?.mibPerSecond,
          ),
        ),
      })),
    });
  }

  const samples = (name: PathName, mode: 'setupFull' | 'setupResumed'): number[] =>
    repetitions.flatMap((set) => set[name]?.[mode].samplesMs ?? []);
  if (paths.some((name) => samples(name, 'setupResumed').length > 0)) {
    plots.setupLatency = distributionChartSvg({
      title: 'New-stream setup latency per path (connect to first echoed byte)',
      subtitle: `${results.config.setupStreams} sequential streams per path${repetitions.length === 1 ? '' : ` in each of ${repetitions.length} repetitions, pooled`}; ${context}`,
      valueLabel: 'ms (log scale)',
      panels: [
        { title: 'full handshakes', mode: 'setupFull' as const },
        { title: 'TLS sessions resumed', mode: 'setupResumed' as const },
      ].map(({ title, mode }) => ({
        title,
        series: paths.map((name) => ({ name, values: samples(name, mode) })),
      })),
    });
  }
  return plots;
}
