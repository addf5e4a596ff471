/**
 * Every per-path measurement, in order: bulk throughput (up/down, 1 and N streams) with CPU per GiB
 * per role, new-stream setup (full handshakes, then resumption), request/response.
 */
import type { BenchConfig } from './bench-config.ts';
import type { BenchPath, Role } from './bench-path.ts';
import { sampleProcesses } from './process-stats.ts';
import type { Percentiles } from './percentiles.ts';
import { requestResponse } from './request-response.ts';
import { setupLatency } from './setup-latency.ts';
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
};

export interface PathMeasurements {
  throughput: ThroughputMeasurement[];
  setupFull: SetupMeasurement;
  setupResumed: SetupMeasurement;
  requestResponse: Percentiles & { ratePerSecond: number };
}

const GiB = 1024 * 1024 * 1024;
const WARM_UP_BYTES = 64 * 1024 * 1024;

export async function measurePath(
  path: BenchPath,
  config: BenchConfig,
  progress: (message: string) => void,
): Promise<PathMeasurements> {
  const full = path.dialer({ resume: false });
  progress(`${path.name}: warm-up`);
  const warmUp = Math.min(WARM_UP_BYTES, config.bulkBytes);
  await transfer(full, 'up', warmUp, 1, config.capMs);
  await transfer(full, 'down', warmUp, 1, config.capMs);

  const throughput: ThroughputMeasurement[] = [];
  for (const streams of [1, config.parallelStreams]) {
    for (const direction of ['up', 'down'] as Direction[]) {
      const before = sampleRoles(path);
      const result = await transfer(full, direction, config.bulkBytes, streams, config.capMs);
      const after = sampleRoles(path);
      const gib = result.bytes / GiB;
      const cpuSecondsPerGiB = Object.fromEntries(
        ROLES.map((role) => [role, (after[role] - before[role]) / gib]),
      ) as Record<Role, number>;
      throughput.push({ ...result, cpuSecondsPerGiB });
      progress(
        `${path.name}: ${direction} x${streams} ${result.mibPerSecond.toFixed(0)} MiB/s` +
          `${result.capped ? ' (capped)' : ''}; CPU-s/GiB relay ${cpuSecondsPerGiB.relay.toFixed(2)}, gateway ${cpuSecondsPerGiB.gateway.toFixed(2)}, caller ${cpuSecondsPerGiB.caller.toFixed(2)}`,
      );
    }
  }

  progress(`${path.name}: ${config.setupStreams} new streams, full handshakes`);
  const setupFull = await measureSetup(path, full, config);
  const resumed = path.dialer({ resume: true });
  await setupLatency(resumed, 1, config.capMs); // the first stream fetches the tickets
  progress(`${path.name}: ${config.setupStreams} new streams, resumed`);
  const setupResumed = await measureSetup(path, resumed, config);
  const cpu = (s: SetupMeasurement): string =>
    `relay ${s.cpuMsPerStream.relay.toFixed(2)}, gateway ${s.cpuMsPerStream.gateway.toFixed(2)}, caller ${s.cpuMsPerStream.caller.toFixed(2)}`;
  progress(
    `${path.name}: setup p50 ${setupFull.p50.toFixed(2)} ms full, ${setupResumed.p50.toFixed(2)} ms resumed; ` +
      `CPU-ms per stream full: ${cpu(setupFull)}; resumed: ${cpu(setupResumed)}`,
  );
  progress(
    `${path.name}: request/response, ${config.requests} x 1 KiB at ${config.requestRatePerSecond}/s`,
  );
  const rr = await requestResponse(resumed, config.requestRatePerSecond, config.requests);
  return { throughput, setupFull, setupResumed, requestResponse: rr };
}

async function measureSetup(
  path: BenchPath,
  dial: Parameters<typeof setupLatency>[0],
  config: BenchConfig,
): Promise<SetupMeasurement> {
  const before = sampleRoles(path);
  const latency = await setupLatency(dial, config.setupStreams, config.capMs);
  const after = sampleRoles(path);
  const cpuMsPerStream = Object.fromEntries(
    ROLES.map((role) => [role, ((after[role] - before[role]) * 1000) / Math.max(1, latency.count)]),
  ) as Record<Role, number>;
  return { ...latency, cpuMsPerStream };
}

function sampleRoles(path: BenchPath): Record<Role, number> {
  return Object.fromEntries(
    ROLES.map((role) => [role, sampleProcesses(path.roles[role]).cpuSeconds]),
  ) as Record<Role, number>;
}
