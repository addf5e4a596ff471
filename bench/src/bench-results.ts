/** The shape of bench/results/latest.json. */
import type { BenchConfig } from './bench-config.ts';
import type { CryptoFloor } from './crypto-floor.ts';
import type { PathName } from './bench-path.ts';
import type { MachineInfo } from './machine-info.ts';
import type { PamQueryResults } from './pam-queries.ts';
import type { PathMeasurements } from './path-measurements.ts';
import type { RelayScaleResult } from './relay-scale.ts';

export interface BenchResults {
  startedAt: string;
  durationSeconds: number;
  command: string;
  config: BenchConfig;
  machine: MachineInfo;
  /** 1-minute load average: other work on the machine skews every number (all paths share it). */
  loadAverageAtStart: number;
  loadAverageAtEnd?: number;
  commands: Partial<Record<PathName, string[]>>;
  paths: Partial<Record<PathName, PathMeasurements>>;
  /** Paths the run could not measure, with the reason. */
  notMeasured: Record<string, string>;
  relayScale?: RelayScaleResult;
  /** AES-GCM cost on this machine, for the relay paths' floor (crypto-floor.ts). */
  cryptoFloor?: CryptoFloor;
  /** pgbench straight to PostgreSQL and through `burrow pam access`. */
  pamQueries?: PamQueryResults;
}
