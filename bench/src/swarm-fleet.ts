/**
 * Several gateway-swarm processes (gateway-swarm-main.ts), each given a slice of the
 * registrations: one Node process holding 10,000 SSH clients would measure its own event loop, not
 * the relay. Their status lines are added up; every process is stopped by its PID.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { GatewayRegistration } from '@burrow/gateway';
import { ManagedProcess } from '@burrow/stack';
import type { SwarmCounters, SwarmKeepalive } from './gateway-swarm.ts';

const STATUS_LINE = /^status up=(\d+) connects=(\d+) failures=(\d+) losses=(\d+) error=(.*)$/;

export interface FleetSample extends SwarmCounters {
  /** Milliseconds since the sample series started. */
  atMs: number;
}

export class SwarmFleet {
  readonly #processes: ManagedProcess[];
  readonly count: number;

  private constructor(processes: ManagedProcess[], count: number) {
    this.#processes = processes;
    this.count = count;
  }

  static start(options: {
    registrationsFile: string;
    processes: number;
    /** Swarm gateways started per second, over all processes. */
    startPerSecond: number;
    keepalive?: SwarmKeepalive | undefined;
    workDir: string;
    label: string;
  }): SwarmFleet {
    const registrations = JSON.parse(
      fs.readFileSync(options.registrationsFile, 'utf8'),
    ) as GatewayRegistration[];
    const perProcess = Math.ceil(registrations.length / options.processes);
    const processes: ManagedProcess[] = [];
    for (let p = 0; p * perProcess < registrations.length; p++) {
      const firstIndex = p * perProcess;
      const sliceFile = path.join(options.workDir, `swarm-${options.label}-${p}.json`);
      fs.writeFileSync(
        sliceFile,
        JSON.stringify({
          registrations: registrations.slice(firstIndex, firstIndex + perProcess),
          firstIndex,
          startPerSecond: options.startPerSecond / options.processes,
          ...(options.keepalive ? { keepalive: options.keepalive } : {}),
        }),
        { mode: 0o600 },
      );
      processes.push(
        new ManagedProcess({
          name: `gateway-swarm ${options.label} ${p}`,
          command: process.execPath,
          args: [path.join(import.meta.dirname, 'gateway-swarm-main.ts'), sliceFile],
          logFile: path.join(options.workDir, `gateway-swarm-${options.label}-${p}.log`),
        }),
      );
    }
    return new SwarmFleet(processes, registrations.length);
  }

  get pids(): number[] {
    return this.#processes.map((p) => p.pid as number);
  }

  /** The latest status of every process, added up. */
  counters(): SwarmCounters {
    const total: SwarmCounters = { up: 0, connects: 0, failures: 0, losses: 0, lastError: '' };
    for (const child of this.#processes) {
      if (!child.running) throw new Error(`${child.name} exited; see ${child.logFile}`);
      const line = child
        .tail(5)
        .split('\n')
        .reverse()
        .find((l) => STATUS_LINE.test(l));
      const match = line ? STATUS_LINE.exec(line) : null;
      if (!match) continue;
      total.up += Number(match[1]);
      total.connects += Number(match[2]);
      total.failures += Number(match[3]);
      total.losses += Number(match[4]);
      const error = JSON.parse(match[5] as string) as string;
      if (error) total.lastError = error;
    }
    return total;
  }

  /**
   * Samples the counters every second until `until(sample)` holds; rejects after `timeoutMs`.
   * Resolves with every sample taken.
   */
  async sampleUntil(
    until: (sample: FleetSample) => boolean,
    timeoutMs: number,
    progress: (sample: FleetSample) => void,
  ): Promise<FleetSample[]> {
    const started = Date.now();
    const samples: FleetSample[] = [];
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const sample = { atMs: Date.now() - started, ...this.counters() };
      samples.push(sample);
      progress(sample);
      if (until(sample)) return samples;
      if (sample.atMs > timeoutMs) {
        throw new Error(
          `swarm: ${sample.up}/${this.count} gateways up after ${timeoutMs / 1000} s (last error: ${sample.lastError || 'none'})`,
        );
      }
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.#processes.map((p) => p.stop()));
  }
}
