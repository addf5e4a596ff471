/**
 * New-stream setup: from the start of the dial (TCP connect) to the first byte echoed by the
 * target, for `count` streams one after the other. Each stream is ended right after; the next
 * one does not wait for its close.
 */
import type { Duplex } from 'node:stream';
import type { Dial } from './dial.ts';
import { MODE_ECHO } from './bench-target.ts';
import { percentiles, type Percentiles } from './percentiles.ts';

export async function setupLatency(
  dial: Dial,
  count: number,
  capMs: number,
): Promise<Percentiles & { capped: boolean; samplesMs: number[] }> {
  const samples: number[] = [];
  const deadline = performance.now() + capMs;
  for (let i = 0; i < count && performance.now() < deadline; i++) {
    const started = performance.now();
    const socket = await dial();
    await firstEcho(socket);
    samples.push(performance.now() - started);
    socket.end();
    socket.on('error', () => undefined);
    socket.resume();
  }
  return { ...percentiles(samples), capped: samples.length < count, samplesMs: samples };
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
