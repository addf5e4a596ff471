/**
 * Request/response on one established stream: a 1 KiB request every 1/rate seconds, echoed by the
 * target; latency = echo of the whole request received minus the moment it was written. Requests
 * are answered in order, so each 1 KiB received completes the oldest one in flight.
 */
import type { Dial } from './dial.ts';
import { MODE_ECHO } from './bench-target.ts';
import { percentiles, type Percentiles } from './percentiles.ts';

export const REQUEST_BYTES = 1024;

export async function requestResponse(
  dial: Dial,
  ratePerSecond: number,
  count: number,
): Promise<Percentiles & { ratePerSecond: number }> {
  const socket = await dial();
  const request = Buffer.alloc(REQUEST_BYTES, 0x72);
  socket.write(Buffer.from([MODE_ECHO]));
  // Warm the stream up: one echo before the clock starts.
  await new Promise<void>((resolve) => {
    let got = 0;
    const onData = (chunk: Buffer): void => {
      got += chunk.length;
      if (got >= REQUEST_BYTES) {
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
    socket.write(request);
  });
  const sentAt: number[] = [];
  const samples: number[] = [];
  let buffered = 0;
  const allAnswered = new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.length;
      const now = performance.now();
      while (buffered >= REQUEST_BYTES && sentAt.length > 0) {
        buffered -= REQUEST_BYTES;
        samples.push(now - (sentAt.shift() as number));
      }
      if (samples.length >= count) resolve();
    });
  });
  const periodMs = 1000 / ratePerSecond;
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const due = start + i * periodMs;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    else if (wait > 0) await new Promise((resolve) => setImmediate(resolve));
    sentAt.push(performance.now());
    socket.write(request);
  }
  await Promise.race([
    allAnswered,
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error('request/response timed out')), 30_000),
    ),
  ]);
  socket.end();
  socket.resume();
  return { ...percentiles(samples), ratePerSecond };
}
