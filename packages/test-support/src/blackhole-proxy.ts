/**
 * A TCP proxy on 127.0.0.1 that forwards both ways until `blackhole()`, then silently drops every
 * byte in both directions while keeping both TCP connections open: a peer that "stopped
 * answering" (crashed host, dead NAT mapping), which only keepalives can detect.
 *
 * `queueFromTarget(maxDelayMs)` instead keeps every byte but delivers the target's bytes later and
 * later (3 times the time since the call, up to `maxDelayMs`), in order: what a reader sees when
 * the peer writes four times faster than it reads and a queue builds up — bytes keep arriving,
 * each one later, and an answer that leaves the peer every interval arrives every 4 intervals.
 */
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

export interface BlackholeProxy {
  readonly port: number;
  /** Reads forwarded towards the target so far (an idle SSH connection: one per packet). */
  readonly chunksToTarget: number;
  blackhole(): void;
  queueFromTarget(maxDelayMs: number): void;
  close(): Promise<void>;
}

export async function startBlackholeProxy(targetPort: number): Promise<BlackholeProxy> {
  const sockets = new Set<Socket>();
  let dropping = false;
  let chunksToTarget = 0;
  let queueingSince: number | undefined;
  let maxDelayMs = 0;
  const server = createServer({ allowHalfOpen: true }, (downstream) => {
    // allowHalfOpen: a FIN from either end is not answered with our own FIN (a dead peer sends none).
    const upstream = connect({ port: targetPort, host: '127.0.0.1', allowHalfOpen: true });
    for (const socket of [downstream, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    }
    downstream.on('data', (chunk: Buffer) => {
      if (dropping) return;
      chunksToTarget += 1;
      upstream.write(chunk);
    });
    const queue: Array<{ at: number; chunk: Buffer }> = [];
    let timer: NodeJS.Timeout | undefined;
    const deliver = (): void => {
      timer = undefined;
      while (queue.length > 0 && queue[0]!.at <= Date.now()) downstream.write(queue.shift()!.chunk);
      if (queue.length > 0) timer = setTimeout(deliver, queue[0]!.at - Date.now());
    };
    upstream.on('data', (chunk: Buffer) => {
      if (dropping) return;
      if (queueingSince === undefined && queue.length === 0) return void downstream.write(chunk);
      const now = Date.now();
      const delay = Math.min(maxDelayMs, (now - (queueingSince ?? now)) * 3);
      queue.push({ at: Math.max(now + delay, queue.at(-1)?.at ?? 0), chunk });
      timer ??= setTimeout(deliver, delay);
    });
    upstream.on('close', () => clearTimeout(timer));
    // Never propagate FIN or RST once black-holed; before that, mirror them.
    downstream.on('end', () => !dropping && upstream.end());
    upstream.on('end', () => !dropping && downstream.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get chunksToTarget() {
      return chunksToTarget;
    },
    blackhole() {
      dropping = true;
    },
    queueFromTarget(delayMs: number) {
      queueingSince = Date.now();
      maxDelayMs = delayMs;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
