import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Dial } from '../src/dial.ts';
import { firstEcho, setupLatency } from '../src/setup-latency.ts';

// An echo server on loopback stands in for the bench target's echo mode.
let server: net.Server;
let port: number;
beforeAll(async () => {
  server = net.createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** TCP, then a made-up second stage that takes a few ms, as a relay hop would. */
const twoStageDial: Dial = async (onStageDone) => {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise((resolve) => socket.once('connect', resolve));
  onStageDone?.('connect', performance.now());
  await new Promise((resolve) => setTimeout(resolve, 5));
  onStageDone?.('handshake', performance.now());
  return socket;
};

describe('setupLatency', () => {
  it('times each stage the dial names and the first byte, adding up to the whole setup', async () => {
    const result = await setupLatency(twoStageDial, 5, 60_000);
    expect(result.count).toBe(5);
    expect(result.samplesMs).toHaveLength(5);
    expect(result.stages.map((s) => s.stage)).toEqual(['connect', 'handshake', 'first-byte']);
    for (const stage of result.stages) expect(stage.count).toBe(5);
    // The timer stage waited at least its 5 ms every time.
    expect(result.stages[1]!.p50).toBeGreaterThanOrEqual(4.5);
    const stageMeans = result.stages.reduce((sum, s) => sum + s.mean, 0);
    expect(stageMeans).toBeCloseTo(result.mean, 6);
  });
});

describe('firstEcho', () => {
  it('fails, instead of waiting forever, when the stream ends before its byte comes back', async () => {
    // What a relay or gateway does under TLS 1.3 to a caller whose certificate it refuses.
    const refusing = net.createServer((socket) => socket.resume().end());
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const socket = net.connect({
      host: '127.0.0.1',
      port: (refusing.address() as net.AddressInfo).port,
    });
    socket.on('error', () => undefined);
    try {
      await expect(firstEcho(socket)).rejects.toThrow(/ended before its first byte/);
    } finally {
      socket.destroy();
      await new Promise<void>((resolve) => refusing.close(() => resolve()));
    }
  });
});
