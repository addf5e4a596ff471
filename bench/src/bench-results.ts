/** The shape of bench/results/latest.json. */
import type { BenchConfig } from './bench-config.ts';
import type { CryptoFloor } from './crypto-floor.ts';
import type { PathName } from './bench-path.ts';
import type { KeyTypeLeverResult } from './key-type-lever.ts';
import type { MachineInfo } from './machine-info.ts';
import type { PamQueryResults } from './pam-queries.ts';
import type { PathSet } from './path-measurements.ts';
import type { TargetCheck } from './targets.ts';
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
  /** Each figure the median of its interleaved repetitions. */
  paths: PathSet;
  /** Each repetition's figures (index 0 is repetition 1); older results have only `paths`. */
  repetitions?: PathSet[];
  /** The targets as checked, each figure's median, min and max over the repetitions. */
  targets?: TargetCheck[];
  /** Paths the run could not measure, with the reason. */
  notMeasured: Record<string, string>;
  relayScale?: RelayScaleResult;
  /** AES-GCM cost on this machine, for the relay paths' floor (crypto-floor.ts). */
  cryptoFloor?: CryptoFloor;
  /** SVG files written next to latest.md (results-plots.ts), relative to it. */
  plots?: { throughput?: string; setupLatency?: string };
  /** `--key-algorithms`: new-stream setup on one burrow stack per certificate key type. */
  keyTypeLever?: KeyTypeLeverResult;
  /** pgbench straight to PostgreSQL and through `burrow pam access`. */
  pamQueries?: PamQueryResults;
}
