/**
 * Relay scale, on the burrow path's relay:
 *
 *   idle gateways  N swarm gateways (gateway-swarm.ts) join the relay; relay RSS before/after,
 *                  divided by N; relay CPU over an idle interval (keepalives) with them connected
 *   open streams   M streams through relay and the real gateway to the echo target, opened one
 *                  after the other (TLS resumption) and held open; relay RSS delta / M, relay CPU
 *                  spent opening them / M, and relay CPU over an idle interval with them open
 *
 * RSS is VmRSS of the relay process: memory the OS really gives it (V8 may keep freed pages).
 */
import path from 'node:path';
import fs from 'node:fs';
import type { Duplex } from 'node:stream';
import type { BurrowPath } from './burrow-path.ts';
import { firstEcho } from './setup-latency.ts';
import { processCpuSeconds, processRssBytes } from './process-stats.ts';
import { registerSwarm } from './gateway-swarm.ts';
import { SwarmFleet } from './swarm-fleet.ts';

export interface RelayScaleResult {
  idleGateways: {
    count: number;
    relayRssBeforeBytes: number;
    relayRssAfterBytes: number;
    relayRssPerGatewayBytes: number;
    relayIdleCpuPercent: number;
  };
  openStreams: {
    count: number;
    relayRssBeforeBytes: number;
    relayRssAfterBytes: number;
    relayRssPerStreamBytes: number;
    relayCpuMsPerStreamOpen: number;
    relayIdleCpuPercent: number;
  };
}

const SETTLE_MS = 2_000;
const IDLE_WINDOW_MS = 5_000;
const SWARM_CONNECT_TIMEOUT_MS = 120_000;
/** Swarm gateways started per second (each from its own loopback address, gateway-swarm.ts). */
const SWARM_START_PER_SECOND = 200;

export async function measureRelayScale(
  burrow: BurrowPath,
  gateways: number,
  streams: number,
  workDir: string,
  progress: (message: string) => void,
): Promise<RelayScaleResult> {
  const relayPid = burrow.roles.relay[0]?.pid as number;
  const registrations = path.join(workDir, 'swarm-registrations.json');
  progress(`relay scale: registering ${gateways} swarm gateways`);
  await registerSwarm(burrow.stack, burrow.relayName, gateways, registrations, progress);
  await sleep(SETTLE_MS);
  const rssBefore = processRssBytes(relayPid);
  progress(`relay scale: connecting ${gateways} swarm gateways from one process`);
  const swarm = SwarmFleet.start({
    registrationsFile: registrations,
    processes: 1,
    startPerSecond: SWARM_START_PER_SECOND,
    workDir,
    label: 'relay-scale',
  });
  let idleGateways: RelayScaleResult['idleGateways'];
  try {
    await swarm.sampleUntil(
      (sample) => sample.up === gateways,
      SWARM_CONNECT_TIMEOUT_MS,
      () => undefined,
    );
    await sleep(SETTLE_MS);
    const rssAfter = processRssBytes(relayPid);
    idleGateways = {
      count: gateways,
      relayRssBeforeBytes: rssBefore,
      relayRssAfterBytes: rssAfter,
      relayRssPerGatewayBytes: (rssAfter - rssBefore) / gateways,
      relayIdleCpuPercent: await cpuPercentOver(relayPid, IDLE_WINDOW_MS),
    };
  } finally {
    await swarm.stop();
    fs.rmSync(registrations, { force: true });
  }

  progress(`relay scale: opening ${streams} concurrent streams`);
  const dial = burrow.dialer({ resume: true });
  await holdOpen(await dial()).then((socket) => socket.destroy()); // tickets first
  await sleep(SETTLE_MS);
  const streamRssBefore = processRssBytes(relayPid);
  const cpuBefore = processCpuSeconds(relayPid);
  const open: Duplex[] = [];
  try {
    for (let i = 0; i < streams; i++) open.push(await holdOpen(await dial()));
    const cpuAfter = processCpuSeconds(relayPid);
    await sleep(SETTLE_MS);
    const streamRssAfter = processRssBytes(relayPid);
    return {
      idleGateways,
      openStreams: {
        count: streams,
        relayRssBeforeBytes: streamRssBefore,
        relayRssAfterBytes: streamRssAfter,
        relayRssPerStreamBytes: (streamRssAfter - streamRssBefore) / streams,
        relayCpuMsPerStreamOpen: ((cpuAfter - cpuBefore) * 1000) / streams,
        relayIdleCpuPercent: await cpuPercentOver(relayPid, IDLE_WINDOW_MS),
      },
    };
  } finally {
    for (const socket of open) socket.end();
    await sleep(500);
    for (const socket of open) socket.destroy();
  }
}

/** Echo mode, one byte there and back: the stream is open end to end and idle. */
export async function holdOpen(socket: Duplex): Promise<Duplex> {
  await firstEcho(socket);
  socket.on('error', () => undefined);
  return socket;
}

export async function cpuPercentOver(pid: number, ms: number): Promise<number> {
  const before = processCpuSeconds(pid);
  await sleep(ms);
  return ((processCpuSeconds(pid) - before) * 100 * 1000) / ms;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
