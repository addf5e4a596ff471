/**
 * New-stream setup: from the start of the dial (TCP connect) to the first byte echoed by the
 * target, for `count` streams one after the other. Each stream is ended right after; the next
 * one does not wait for its close.
 *
 * Stage by stage: the dial names each of its stages as it ends (dial.ts), and `first-byte` is
 * from the dial's end to the echo of one byte; each stage's time is from the end of the one
 * before (the first from the start), so a stream's stages add up to its setup time.
 */
import type { Duplex } from 'node:stream';
import type { Dial } from './dial.ts';
import { MODE_ECHO } from './bench-target.ts';
import { percentiles, type Percentiles } from './percentiles.ts';

/** One stage of the setup, over the streams (ms). */
export type StageTiming = Percentiles & { stage: string };

export interface SetupLatency extends Percentiles {
  capped: boolean;
  samplesMs: number[];
  /** In the order the stages happen. */
  stages: StageTiming[];
}

export async function setupLatency(
  dial: Dial,
  count: number,
  capMs: number,
): Promise<SetupLatency> {
  const samples: number[] = [];
  const stageTimes = new Map<string, number[]>();
  const deadline = performance.now() + capMs;
  for (let i = 0; i < count && performance.now() < deadline; i++) {
    const started = performance.now();
    let last = started;
    const stageDone = (stage: string, at: number): void => {
      if (!stageTimes.has(stage)) stageTimes.set(stage, []);
      stageTimes.get(stage)!.push(at - last);
      last = at;
    };
    const socket = await dial(stageDone);
    await firstEcho(socket);
    stageDone('first-byte', performance.now());
    samples.push(last - started);
    socket.end();
    socket.on('error', () => undefined);
    socket.resume();
  }
  return {
    ...percentiles(samples),
    capped: samples.length < count,
    samplesMs: samples,
    stages: [...stageTimes].map(([stage, times]) => ({ stage, ...percentiles(times) })),
  };
}

function firstEcho(socket: Duplex): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('data', () => {
      socket.off('error', reject);
      resolve();
    });
    socket.once('error', reject);
    socket.write(Buffer.from([MODE_ECHO, 0x78]));
  });
}
