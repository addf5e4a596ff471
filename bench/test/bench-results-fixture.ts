/** A made-up run's results, shaped like latest.json, for the results writers' tests. */
import type { PathName, Role } from '../src/bench-path.ts';
import type { BenchResults } from '../src/bench-results.ts';
import { FULL } from '../src/bench-config.ts';
import {
  medianMeasurements,
  type PathMeasurements,
  type PathSet,
  type SetupMeasurement,
} from '../src/path-measurements.ts';
import { percentiles } from '../src/percentiles.ts';

const roles = (value: number): Record<Role, number> => ({
  caller: value,
  relay: value,
  gateway: value,
  target: value,
});

function setup(samplesMs: number[]): SetupMeasurement {
  return {
    ...percentiles(samplesMs),
    capped: false,
    cpuMsPerStream: roles(1),
    samplesMs,
    // As if every stream spent a quarter of its time connecting.
    stages: [
      { stage: 'connect', ...percentiles(samplesMs.map((ms) => ms / 4)) },
      { stage: 'first-byte', ...percentiles(samplesMs.map((ms) => (ms * 3) / 4)) },
    ],
  };
}

/** One path's figures in one repetition: throughput `mib` (up × 1, down × 1), setup samples. */
export function measurements(mib: [number, number], setupMs: number[]): PathMeasurements {
  return {
    throughput: (['up', 'down'] as const).map((direction, i) => ({
      direction,
      streams: 1,
      bytes: 1024 ** 3,
      seconds: 1024 / mib[i]!,
      mibPerSecond: mib[i]!,
      capped: false,
      cpuSecondsPerGiB: roles(2 - i),
    })),
    setupFull: setup(setupMs.map((ms) => ms * 2)),
    setupResumed: setup(setupMs),
    requestResponse: { ...percentiles([0.1, 0.2, 0.3]), ratePerSecond: 1000 },
  };
}

/** Results whose `paths` are the medians of `repetitions`, as a run writes them. */
export function benchResults(repetitions: PathSet[]): BenchResults {
  const names = Object.keys(repetitions[0]!) as PathName[];
  const paths: PathSet = {};
  for (const name of names) paths[name] = medianMeasurements(repetitions.map((set) => set[name]!));
  return {
    startedAt: '2026-12-03T05:00:00.000Z',
    durationSeconds: 1,
    command: 'pnpm bench',
    config: { ...FULL, repetitions: repetitions.length },
    machine: { os: 'test', kernel: 'test', cpu: 'test', cores: 2, memoryGiB: 1, versions: {} },
    loadAverageAtStart: 1,
    loadAverageAtEnd: 2,
    commands: {},
    paths,
    repetitions,
    notMeasured: {},
  };
}
