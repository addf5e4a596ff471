/**
 * Every per-path measurement: bulk throughput (up/down, 1 and N streams) with CPU per GiB per
 * role, new-stream setup (full handshakes, then resumption), request/response. The paths run side
 * by side and take turns (interleave.ts): each measurement runs on every path, then the next
 * measurement, and the whole round is repeated `config.repetitions` times.
 */
import type { BenchConfig } from './bench-config.ts';
import type { BenchPath, PathName, Role } from './bench-path.ts';
import type { Dial } from './dial.ts';
import { interleave } from './interleave.ts';
import { sampleProcesses } from './process-stats.ts';
import { median, percentiles, type Percentiles } from './percentiles.ts';
import { requestResponse } from './request-response.ts';
import { setupLatency, type StageTiming } from './setup-latency.ts';
import { stagesBetween, type ProcessStages } from './process-stages.ts';
import { transfer, type Direction, type TransferResult } from './throughput.ts';

export const ROLES: readonly Role[] = ['caller', 'relay', 'gateway', 'target'];

export interface ThroughputMeasurement extends TransferResult {
  /** CPU seconds per GiB moved, per role. */
  cpuSecondsPerGiB: Record<Role, number>;
}

/** New-stream setup latency, with the CPU each role spent per stream opened. */
export type SetupMeasurement = Percentiles & {
  capped: boolean;
  /**
   * CPU milliseconds per stream, per role (/proc ticks of 10 ms over the whole series, so a short
   * `--quick` series is coarse). Unlike latency this barely moves with the machine's load.
   */
  cpuMsPerStream: Record<Role, number>;
  /** Every stream's setup time in ms (µs precision), in order; in each repetition, not in the medians. */
  samplesMs?: number[];
  /** Stage by stage, as the caller sees it (setup-latency.ts); results before 2026-12-03 have none. */
  stages?: StageTiming[];
  /**
   * Stage by stage as the relay and the gateway time it in their own processes (burrow only,
   * process-stages.ts; in the medians, each figure the median of the repetitions').
   */
  processStages?: ProcessStages;
};

export interface PathMeasurements {
  throughput: ThroughputMeasurement[];
  setupFull: SetupMeasurement;
  setupResumed: SetupMeasurement;
  requestResponse: Percentiles & { ratePerSecond: number };
}

export type PathSet = Partial<Record<PathName, PathMeasurements>>;

export interface InterleavedMeasurements {
  /** Each repetition's measurements of every path (index 0 is repetition 1). */
  repetitions: PathSet[];
  /** Each figure the median of its repetitions. */
  medians: PathSet;
}

const GiB = 1024 * 1024 * 1024;
const NO_STAGE = percentiles([]);
const WARM_UP_BYTES = 64 * 1024 * 1024;

interface PathSession {
  path: BenchPath;
  full: Dial;
  /** Resumes the TLS sessions of its previous streams. */
  resumed: Dial;
}

/** One measurement, run on one path; writes into that path's repetition, returns a progress note. */
interface Step {
  label: string;
  run(session: PathSession, into: Partial<PathMeasurements>): Promise<string>;
}

export async function measurePaths(
  paths: readonly BenchPath[],
  config: BenchConfig,
  progress: (message: string) => void,
): Promise<InterleavedMeasurements> {
  const sessions: PathSession[] = [];
  for (const path of paths) {
    const session = {
      path,
      full: path.dialer({ resume: false }),
      resumed: path.dialer({ resume: true }),
    };
    progress(`${path.name}: warm-up`);
    const warmUp = Math.min(WARM_UP_BYTES, config.bulkBytes);
    await transfer(session.full, 'up', warmUp, 1, config.capMs);
    await transfer(session.full, 'down', warmUp, 1, config.capMs);
    await setupLatency(session.resumed, 1, config.capMs); // the first stream fetches the tickets
    sessions.push(session);
  }

  const repetitions: Partial<Record<PathName, Partial<PathMeasurements>>>[] = Array.from(
    { length: config.repetitions },
    () => ({}),
  );
  await interleave(config.repetitions, steps(config), sessions, async (step, session, n) => {
    const name = session.path.name;
    const into = (repetitions[n - 1]![name] ??= { throughput: [] });
    const note = await step.run(session, into);
    progress(`${name}: ${step.label} (${n}/${config.repetitions}): ${note}`);
  });

  const complete = repetitions as PathSet[];
  const medians: PathSet = {};
  for (const { path } of sessions) {
    medians[path.name] = medianMeasurements(complete.map((set) => set[path.name]!));
  }
  return { repetitions: complete, medians };
}

function steps(config: BenchConfig): Step[] {
  const throughputSteps = [1, config.parallelStreams].flatMap((streams) =>
    (['up', 'down'] as Direction[]).map((direction): Step => ({
      label: `${direction} x${streams}`,
      run: async ({ path, full }, into) => {
        const t = await measureThroughput(path, full, direction, streams, config);
        into.throughput!.push(t);
        const c = t.cpuSecondsPerGiB;
        return (
          `${t.mibPerSecond.toFixed(0)} MiB/s${t.capped ? ' (capped)' : ''}; ` +
          `CPU-s/GiB relay ${c.relay.toFixed(2)}, gateway ${c.gateway.toFixed(2)}, caller ${c.caller.toFixed(2)}`
        );
      },
    })),
  );
  const cpu = (s: SetupMeasurement): string =>
    `p50 ${s.p50.toFixed(2)} ms; CPU-ms per stream relay ${s.cpuMsPerStream.relay.toFixed(2)}, gateway ${s.cpuMsPerStream.gateway.toFixed(2)}, caller ${s.cpuMsPerStream.caller.toFixed(2)}`;
  return [
    ...throughputSteps,
    {
      label: `${config.setupStreams} new streams, full handshakes`,
      run: async ({ path, full }, into) =>
        cpu((into.setupFull = await measureSetup(path, full, config))),
    },
    {
      label: `${config.setupStreams} new streams, resumed`,
      run: async ({ path, resumed }, into) =>
        cpu((into.setupResumed = await measureSetup(path, resumed, config))),
    },
    {
      label: `request/response, ${config.requests} x 1 KiB at ${config.requestRatePerSecond}/s`,
      run: async ({ resumed }, into) => {
        into.requestResponse = await requestResponse(
          resumed,
          config.requestRatePerSecond,
          config.requests,
        );
        return `p50 ${into.requestResponse.p50.toFixed(3)} ms, p99 ${into.requestResponse.p99.toFixed(3)} ms`;
      },
    },
  ];
}

async function measureThroughput(
  path: BenchPath,
  dial: Dial,
  direction: Direction,
  streams: number,
  config: BenchConfig,
): Promise<ThroughputMeasurement> {
  const before = sampleRoles(path);
  const result = await transfer(dial, direction, config.bulkBytes, streams, config.capMs);
  const after = sampleRoles(path);
  const gib = result.bytes / GiB;
  const cpuSecondsPerGiB = perRole((role) => (after[role] - before[role]) / gib);
  return { ...result, cpuSecondsPerGiB };
}

/** One setup series on one dial, with the CPU each role of `path` spent per stream. */
export async function measureSetup(
  path: BenchPath,
  dial: Dial,
  config: BenchConfig,
): Promise<SetupMeasurement> {
  const stagesBefore = await path.scrapeStages?.();
  const before = sampleRoles(path);
  const { samplesMs, ...latency } = await setupLatency(dial, config.setupStreams, config.capMs);
  const after = sampleRoles(path);
  const stagesAfter = stagesBefore && (await path.scrapeStages?.());
  const cpuMsPerStream = perRole(
    (role) => ((after[role] - before[role]) * 1000) / Math.max(1, latency.count),
  );
  return {
    ...latency,
    cpuMsPerStream,
    samplesMs: samplesMs.map((ms) => Math.round(ms * 1000) / 1000),
    ...(stagesBefore && stagesAfter
      ? { processStages: stagesBetween(stagesBefore, stagesAfter) }
      : {}),
  };
}

/** One path's figures over its repetitions, each the median of that figure. */
export function medianMeasurements(repetitions: readonly PathMeasurements[]): PathMeasurements {
  const of = (figure: (m: PathMeasurements) => number): number => median(repetitions.map(figure));
  const first = repetitions[0]!;
  const percentilesOf = (pick: (m: PathMeasurements) => Percentiles): Percentiles => ({
    count: of((m) => pick(m).count),
    p50: of((m) => pick(m).p50),
    p90: of((m) => pick(m).p90),
    p99: of((m) => pick(m).p99),
    max: of((m) => pick(m).max),
    mean: of((m) => pick(m).mean),
  });
  const setup = (pick: (m: PathMeasurements) => SetupMeasurement): SetupMeasurement => ({
    ...percentilesOf((m) => pick(m)),
    capped: repetitions.some((m) => pick(m).capped),
    cpuMsPerStream: perRole((role) => of((m) => pick(m).cpuMsPerStream[role])),
    stages: (pick(first).stages ?? []).map(({ stage }) => ({
      stage,
      ...percentilesOf((m) => pick(m).stages?.find((s) => s.stage === stage) ?? NO_STAGE),
    })),
    ...medianProcessStages(repetitions.map((m) => pick(m).processStages)),
  });
  return {
    throughput: first.throughput.map((t, i) => {
      const at = (m: PathMeasurements): ThroughputMeasurement => m.throughput[i]!;
      return {
        direction: t.direction,
        streams: t.streams,
        bytes: of((m) => at(m).bytes),
        seconds: of((m) => at(m).seconds),
        mibPerSecond: of((m) => at(m).mibPerSecond),
        capped: repetitions.some((m) => at(m).capped),
        cpuSecondsPerGiB: perRole((role) => of((m) => at(m).cpuSecondsPerGiB[role])),
      };
    }),
    setupFull: setup((m) => m.setupFull),
    setupResumed: setup((m) => m.setupResumed),
    requestResponse: {
      ...percentilesOf((m) => m.requestResponse),
      ratePerSecond: first.requestResponse.ratePerSecond,
    },
  };
}

/** Each process stage's count, mean and p50 the median of the repetitions'. */
function medianProcessStages(repetitions: readonly (ProcessStages | undefined)[]): {
  processStages?: ProcessStages;
} {
  const [first] = repetitions;
  if (!first) return {};
  const of = (figure: (p: ProcessStages) => number | undefined): number =>
    median(repetitions.flatMap((p) => (p ? [figure(p) ?? NaN] : [])).filter((v) => !isNaN(v)));
  return {
    processStages: {
      stages: first.stages.map(({ process, stage }) => {
        const find = (p: ProcessStages) =>
          p.stages.find((s) => s.process === process && s.stage === stage);
        return {
          process,
          stage,
          count: of((p) => find(p)?.count),
          mean: of((p) => find(p)?.mean),
          p50: of((p) => find(p)?.p50),
        };
      }),
      callerBytesAtChannelOpen: {
        buffered: of((p) => p.callerBytesAtChannelOpen.buffered),
        notYet: of((p) => p.callerBytesAtChannelOpen.notYet),
      },
    },
  };
}

function perRole(value: (role: Role) => number): Record<Role, number> {
  return Object.fromEntries(ROLES.map((role) => [role, value(role)])) as Record<Role, number>;
}

function sampleRoles(path: BenchPath): Record<Role, number> {
  return perRole((role) => sampleProcesses(path.roles[role]).cpuSeconds);
}
