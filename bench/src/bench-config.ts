import type { PamQueryConfig } from './pam-queries.ts';

/** Sizes of one run: the full run the issue asks for, and `--quick` (tiny, for CI). */
export interface BenchConfig {
  quick: boolean;
  /**
   * Rounds of the main paths' measurements: each measurement runs on every path in turn, and the
   * round is repeated (interleave.ts); results give each figure's median and each ratio's median,
   * min and max.
   */
  repetitions: number;
  /** Bytes per throughput measurement (single stream; split across the parallel streams). */
  bulkBytes: number;
  parallelStreams: number;
  /** Sequential new streams per setup-latency measurement. */
  setupStreams: number;
  requestRatePerSecond: number;
  requests: number;
  swarmGateways: number;
  openStreams: number;
  /** Cap of every single measurement. */
  capMs: number;
  pamQueries: PamQueryConfig;
}

const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;

export const FULL: BenchConfig = {
  quick: false,
  repetitions: 3,
  bulkBytes: GiB,
  parallelStreams: 8,
  setupStreams: 500,
  requestRatePerSecond: 1000,
  requests: 3000,
  swarmGateways: 200,
  openStreams: 500,
  capMs: 20_000,
  pamQueries: {
    scale: 5,
    secondsPerRun: 5,
    repetitions: 3,
    modes: [
      'select-only, 1 client',
      'select-only, 16 clients',
      'TPC-B-like, 1 client',
      'TPC-B-like, 16 clients',
      'select-only, new connection per transaction, 4 clients',
    ],
  },
};

export const QUICK: BenchConfig = {
  quick: true,
  repetitions: 1,
  bulkBytes: 8 * MiB,
  parallelStreams: 8,
  setupStreams: 20,
  requestRatePerSecond: 200,
  requests: 100,
  swarmGateways: 4,
  openStreams: 10,
  capMs: 5_000,
  pamQueries: {
    scale: 1,
    secondsPerRun: 2,
    repetitions: 1,
    modes: [
      'select-only, 1 client',
      'select-only, 16 clients',
      'select-only, new connection per transaction, 4 clients',
    ],
  },
};
