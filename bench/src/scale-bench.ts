/**
 * `pnpm bench --scale`: one relay, many idle gateways (issue 20, "Scale"). Not in CI.
 *
 *   set-up       control plane, one relay (metrics on), one real burrow-gateway in front of the
 *                bench's echo target, N registered swarm gateways (gateway-swarm.ts)
 *   join         the swarm (several processes, each gateway from its own 127.x.y.z) connects;
 *                time until all N are up, failed dials on the way
 *   idle         relay RSS before the swarm and after it joined, per gateway; relay CPU share
 *                and event-loop delay p99 over an idle window (only keepalives run)
 *   streams      new streams through relay and real gateway (resumed TLS, `concurrency` at a
 *                time) for a window, with the N gateways connected: streams per relay CPU-second
 *                (what one relay core can open), per wall second, event-loop delay p99 meanwhile
 *   restart      the relay is stopped (SIGTERM) and started again on the same ports: time until
 *                all N are back (from the old relay's exit and from the new one's start), the
 *                reconnections per second (the herd the backoff's jitter spreads), failed dials
 *   keepalives   per gateway-side keepalive variant (--keepalive-variants): a fresh swarm of
 *                `variantGateways` joins, relay CPU over an idle window, swarm stopped
 *
 * Every process is stopped by its PID; the whole run is bounded by `maxMinutes`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManagedProcess } from '@burrow/stack';
import { freePort } from '@burrow/test-support';
import { dialGateway, type TlsSessionStore } from '@burrow/tunnel-protocol';
import { connectionDetails, startBurrowPath, type BurrowPath } from './burrow-path.ts';
import { registerSwarm, type SwarmKeepalive } from './gateway-swarm.ts';
import { machineInfo, type MachineInfo } from './machine-info.ts';
import { processCpuSeconds, processRssBytes, sampleProcesses } from './process-stats.ts';
import { eventLoopWindow, type EventLoopDelay } from './relay-event-loop.ts';
import { cpuPercentOver, holdOpen, sleep } from './relay-scale.ts';
import { scaleMarkdown } from './scale-markdown.ts';
import { SwarmFleet, type FleetSample } from './swarm-fleet.ts';

export interface ScaleOptions {
  gateways: number;
  processes: number;
  /** Swarm gateways started per second when the swarm first joins. */
  startPerSecond: number;
  idleWindowMs: number;
  streamWindowMs: number;
  streamConcurrency: number;
  keepaliveVariants: SwarmKeepalive[];
  variantGateways: number;
  maxMinutes: number;
}

export interface KeepaliveVariantResult {
  keepalive: SwarmKeepalive;
  gateways: number;
  relayIdleCpuPercent: number;
  relayIdleCpuPercentPer10kGateways: number;
  eventLoop: EventLoopDelay;
}

export interface ScaleResults {
  startedAt: string;
  durationSeconds: number;
  command: string;
  options: ScaleOptions;
  machine: MachineInfo;
  /** 1-minute load average at start and end: the machine is shared. */
  loadAverageAtStart: number;
  loadAverageAtEnd?: number;
  /** Load average (1 min) sampled during each phase. */
  loadDuringPhases: Record<string, number>;
  registrationSeconds?: number;
  join?: { seconds: number; failedDials: number };
  /** Relay CPU over the idle window with only the real gateway connected (timers, heartbeats). */
  relayBaselineCpuPercent?: number;
  idle?: {
    relayRssBeforeBytes: number;
    relayRssAfterBytes: number;
    relayRssPerGatewayBytes: number;
    relayCpuPercent: number;
    eventLoop: EventLoopDelay;
  };
  streams?: {
    opened: number;
    failed: number;
    wallSeconds: number;
    relayCpuSeconds: number;
    perSecond: number;
    perRelayCpuSecond: number;
    eventLoop: EventLoopDelay;
    gatewaysStillUp: number;
  };
  restart?: {
    relayDownSeconds: number;
    allBackAfterRelayExitSeconds: number;
    allBackAfterRelayReadySeconds: number;
    peakReconnectsPerSecond: number;
    failedDials: number;
    /** Logins between one sample and the next, sampled every second after the old relay's exit. */
    reconnectsPerSecond: number[];
    /** When each of those samples was taken, seconds after the exit. */
    sampleAtSeconds?: number[];
    /** CPU the new relay spent from its start until all were back (start-up included). */
    relayCpuSeconds: number;
    /** CPU the swarm processes spent meanwhile (their side of every SSH login). */
    swarmCpuSeconds: number;
  };
  keepaliveVariants: KeepaliveVariantResult[];
  error?: string;
}

const SETTLE_MS = 5_000;
const RELAY_NAME = 'bench-relay';

export async function runScaleBench(
  options: ScaleOptions,
  command: string,
  outDir: string,
  progress: (message: string) => void,
): Promise<ScaleResults> {
  const started = Date.now();
  const deadline = started + options.maxMinutes * 60_000;
  const remainingMs = (): number => Math.max(1_000, deadline - Date.now());
  const results: ScaleResults = {
    startedAt: new Date(started).toISOString(),
    durationSeconds: 0,
    command,
    options,
    machine: machineInfo(),
    loadAverageAtStart: os.loadavg()[0] as number,
    loadDuringPhases: {},
    keepaliveVariants: [],
  };
  const load = (phase: string): void => {
    results.loadDuringPhases[phase] = os.loadavg()[0] as number;
  };
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-bench-scale-'));
  const target = new ManagedProcess({
    name: 'bench-target',
    command: process.execPath,
    args: [path.join(import.meta.dirname, 'bench-target-main.ts')],
    logFile: path.join(workDir, 'bench-target.log'),
  });
  const fleets: SwarmFleet[] = [];
  let burrow: BurrowPath | undefined;
  const stopAll = async (): Promise<void> => {
    await Promise.all(fleets.map((fleet) => fleet.stop()));
    await burrow?.stop();
    await target.stop();
  };
  const stopOnSignal = (): void => {
    progress('interrupted: stopping every process this run started');
    void stopAll().then(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  // The run's bound: past it, everything is stopped and the results so far are written.
  const overrun = setTimeout(() => {
    progress(`over the ${options.maxMinutes} min bound: stopping every process this run started`);
    results.error = `stopped after ${options.maxMinutes} min (--max-minutes)`;
    void stopAll().then(() => {
      writeScaleResults(results, outDir, started);
      process.exit(1);
    });
  }, options.maxMinutes * 60_000);
  try {
    const targetPort = Number((await target.waitFor(/^listening \d+/, 15_000)).split(' ')[1]);
    const metricsPort = await freePort();
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    const relayEnv = { BURROW_RELAY_METRICS_LISTEN_ADDRESS: `127.0.0.1:${metricsPort}` };
    burrow = await startBurrowPath(targetPort, target.pid as number, progress, { relayEnv });
    const { stack } = burrow;
    const relayPid = (): number => stack.relays.get(RELAY_NAME)?.process.pid as number;

    const registrationsFile = path.join(workDir, 'swarm-registrations.json');
    const registrationCount = Math.max(options.gateways, options.variantGateways);
    progress(`registering ${registrationCount} swarm gateways with the control plane`);
    const registerStart = Date.now();
    await registerSwarm(stack, RELAY_NAME, registrationCount, registrationsFile, progress);
    results.registrationSeconds = (Date.now() - registerStart) / 1000;
    load('registration');
    const registrations = JSON.parse(fs.readFileSync(registrationsFile, 'utf8')) as unknown[];
    const mainFile = path.join(workDir, 'swarm-main.json');
    fs.writeFileSync(mainFile, JSON.stringify(registrations.slice(0, options.gateways)), {
      mode: 0o600,
    });

    // Join.
    await sleep(SETTLE_MS);
    const rssBefore = processRssBytes(relayPid());
    progress(`baseline: relay CPU over ${options.idleWindowMs / 1000} s without the swarm`);
    results.relayBaselineCpuPercent = await cpuPercentOver(relayPid(), options.idleWindowMs);
    load('baseline');
    progress(
      `join: ${options.gateways} gateways from ${options.processes} processes, ${options.startPerSecond}/s`,
    );
    const fleet = SwarmFleet.start({
      registrationsFile: mainFile,
      processes: options.processes,
      startPerSecond: options.startPerSecond,
      workDir,
      label: 'main',
    });
    fleets.push(fleet);
    const joinSamples = await fleet.sampleUntil(
      (s) => s.up === options.gateways,
      remainingMs(),
      everyFewSeconds(progress, 'join', options.gateways),
    );
    const joined = joinSamples.at(-1) as FleetSample;
    results.join = { seconds: joined.atMs / 1000, failedDials: joined.failures };
    load('join');

    // Idle.
    await sleep(SETTLE_MS);
    const rssAfter = processRssBytes(relayPid());
    progress(`idle: ${options.idleWindowMs / 1000} s with ${options.gateways} gateways up`);
    const idleLoop = await eventLoopWindow(metricsUrl);
    const idleCpu = await cpuPercentOver(relayPid(), options.idleWindowMs);
    results.idle = {
      relayRssBeforeBytes: rssBefore,
      relayRssAfterBytes: rssAfter,
      relayRssPerGatewayBytes: (rssAfter - rssBefore) / options.gateways,
      relayCpuPercent: idleCpu,
      eventLoop: await idleLoop.end(),
    };
    load('idle');
    progress(
      `idle: relay ${(results.idle.relayRssPerGatewayBytes / 1024).toFixed(1)} KiB/gateway, ${idleCpu.toFixed(1)} % CPU, loop p99 ${results.idle.eventLoop.p99Ms.toFixed(1)} ms`,
    );

    // Streams.
    progress(
      `streams: opening new streams, ${options.streamConcurrency} at a time, for ${options.streamWindowMs / 1000} s`,
    );
    const dialOptions = await connectionDetails(stack, burrow.gatewayId, targetPort);
    const sessions: TlsSessionStore = {};
    const dial = () => dialGateway({ ...dialOptions, sessions });
    await holdOpen(await dial()).then((socket) => socket.destroy()); // tickets first
    const streamLoop = await eventLoopWindow(metricsUrl);
    const cpuBefore = processCpuSeconds(relayPid());
    const streamStart = Date.now();
    const streamEnd = streamStart + options.streamWindowMs;
    let opened = 0;
    let failed = 0;
    await Promise.all(
      Array.from({ length: options.streamConcurrency }, async () => {
        while (Date.now() < streamEnd) {
          try {
            const socket = await holdOpen(await dial());
            socket.destroy();
            opened += 1;
          } catch {
            failed += 1;
          }
        }
      }),
    );
    const wallSeconds = (Date.now() - streamStart) / 1000;
    const relayCpuSeconds = processCpuSeconds(relayPid()) - cpuBefore;
    results.streams = {
      opened,
      failed,
      wallSeconds,
      relayCpuSeconds,
      perSecond: opened / wallSeconds,
      perRelayCpuSecond: opened / relayCpuSeconds,
      eventLoop: await streamLoop.end(),
      gatewaysStillUp: fleet.counters().up,
    };
    load('streams');
    progress(
      `streams: ${opened} opened (${failed} failed), ${results.streams.perSecond.toFixed(0)}/s, ${results.streams.perRelayCpuSecond.toFixed(0)} per relay CPU-second, loop p99 ${results.streams.eventLoop.p99Ms.toFixed(1)} ms`,
    );

    // Restart.
    progress('restart: stopping the relay (SIGTERM) and starting it again on the same ports');
    const relay = stack.relays.get(RELAY_NAME);
    await relay?.process.stop();
    const before = fleet.counters();
    const swarmCpuBefore = sampleProcesses(fleet.pids.map((pid) => ({ pid }))).cpuSeconds;
    const exitAt = Date.now();
    let readyAt: number | undefined;
    const restarting = stack.startRelay(RELAY_NAME, { env: relayEnv }).then(() => {
      readyAt = Date.now();
      progress(`restart: relay ready after ${((readyAt - exitAt) / 1000).toFixed(1)} s`);
    });
    const restartSamples = await fleet.sampleUntil(
      (s) => readyAt !== undefined && s.up === options.gateways,
      remainingMs(),
      everyFewSeconds(progress, 'restart', options.gateways),
    );
    await restarting;
    const last = restartSamples.at(-1) as FleetSample;
    const newRelayCpuSeconds = processCpuSeconds(relayPid());
    const swarmCpuSeconds =
      sampleProcesses(fleet.pids.map((pid) => ({ pid }))).cpuSeconds - swarmCpuBefore;
    const allBackAt = exitAt + last.atMs;
    const reconnectsPerSecond = restartSamples.map(
      (s, i) => s.connects - (i === 0 ? before.connects : (restartSamples[i - 1]?.connects ?? 0)),
    );
    results.restart = {
      relayDownSeconds: ((readyAt as number) - exitAt) / 1000,
      allBackAfterRelayExitSeconds: (allBackAt - exitAt) / 1000,
      allBackAfterRelayReadySeconds: (allBackAt - (readyAt as number)) / 1000,
      peakReconnectsPerSecond: Math.max(...reconnectsPerSecond),
      failedDials: last.failures - before.failures,
      reconnectsPerSecond,
      sampleAtSeconds: restartSamples.map((sample) => sample.atMs / 1000),
      relayCpuSeconds: newRelayCpuSeconds,
      swarmCpuSeconds,
    };
    load('restart');
    await fleet.stop();

    // Keepalive variants.
    for (const keepalive of options.keepaliveVariants) {
      const label = `${keepalive.intervalMs}x${keepalive.countMax}`;
      progress(
        `keepalive variant gateway ${label}: ${options.variantGateways} gateways join, then ${options.idleWindowMs / 1000} s idle`,
      );
      const variantFile = path.join(workDir, `swarm-${label}.json`);
      fs.writeFileSync(
        variantFile,
        JSON.stringify(registrations.slice(0, options.variantGateways)),
        {
          mode: 0o600,
        },
      );
      const variant = SwarmFleet.start({
        registrationsFile: variantFile,
        processes: options.processes,
        startPerSecond: options.startPerSecond,
        keepalive,
        workDir,
        label,
      });
      fleets.push(variant);
      await variant.sampleUntil(
        (s) => s.up === options.variantGateways,
        remainingMs(),
        everyFewSeconds(progress, `variant ${label} join`, options.variantGateways),
      );
      await sleep(SETTLE_MS);
      const window = await eventLoopWindow(metricsUrl);
      const cpu = await cpuPercentOver(relayPid(), options.idleWindowMs);
      results.keepaliveVariants.push({
        keepalive,
        gateways: options.variantGateways,
        relayIdleCpuPercent: cpu,
        relayIdleCpuPercentPer10kGateways: (cpu * 10_000) / options.variantGateways,
        eventLoop: await window.end(),
      });
      load(`variant ${label}`);
      progress(`keepalive variant gateway ${label}: relay ${cpu.toFixed(1)} % CPU`);
      await variant.stop();
      await sleep(SETTLE_MS);
    }
  } catch (error) {
    results.error = error instanceof Error ? (error.stack ?? error.message) : String(error);
    progress(`FAILED: ${results.error}`);
  } finally {
    clearTimeout(overrun);
    progress('stopping every process this run started');
    await stopAll();
  }
  writeScaleResults(results, outDir, started);
  if (!results.error) fs.rmSync(workDir, { recursive: true, force: true });
  else progress(`logs kept in ${workDir}`);
  return results;
}

function writeScaleResults(results: ScaleResults, outDir: string, started: number): void {
  results.durationSeconds = (Date.now() - started) / 1000;
  results.loadAverageAtEnd = os.loadavg()[0] as number;
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'scale-latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(path.join(outDir, 'scale-latest.md'), scaleMarkdown(results));
}

/** A progress line every 5 s: how many are up, dials that failed so far. */
function everyFewSeconds(
  progress: (message: string) => void,
  phase: string,
  count: number,
): (sample: FleetSample) => void {
  let lastAt = -Infinity;
  return (sample) => {
    if (sample.atMs - lastAt < 5_000 && sample.up !== count) return;
    lastAt = sample.atMs;
    progress(
      `${phase}: ${sample.up}/${count} up after ${(sample.atMs / 1000).toFixed(0)} s, ${sample.failures} failed dials${sample.lastError ? ` (last: ${sample.lastError})` : ''}`,
    );
  };
}
