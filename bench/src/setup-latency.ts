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

/**
 * One byte written and echoed. A stream that ends or closes first was refused after its
 * handshake (TLS 1.3: a server that rejects the client certificate just closes): an error,
 * not a wait without end.
 */
export function firstEcho(socket: Duplex): Promise<void> {
  return new Promise((resolve, reject) => {
    const refused = (): void =>
      fail(
        new Error(
          'the stream ended before its first byte came back (refused after the handshake?)',
        ),
      );
    const fail = (error: Error): void => {
      socket.off('data', echoed);
      socket.off('end', refused);
      socket.off('close', refused);
      reject(error);
    };
    const echoed = (): void => {
      socket.off('error', fail);
      socket.off('end', refused);
      socket.off('close', refused);
      resolve();
    };
    socket.once('data', echoed);
    socket.once('error', fail);
    socket.once('end', refused);
    socket.once('close', refused);
    socket.write(Buffer.from([MODE_ECHO, 0x78]));
  });
}
