/**
 * A TCP proxy on 127.0.0.1 that forwards both ways until `blackhole()`, then silently drops every
 * byte in both directions while keeping both TCP connections open: a peer that "stopped
 * answering" (crashed host, dead NAT mapping), which only keepalives can detect.
 */
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

export interface BlackholeProxy {
  readonly port: number;
  blackhole(): void;
  close(): Promise<void>;
}

export async function startBlackholeProxy(targetPort: number): Promise<BlackholeProxy> {
  const sockets = new Set<Socket>();
  let dropping = false;
  const server = createServer({ allowHalfOpen: true }, (downstream) => {
    // allowHalfOpen: a FIN from either end is not answered with our own FIN (a dead peer sends none).
    const upstream = connect({ port: targetPort, host: '127.0.0.1', allowHalfOpen: true });
    for (const socket of [downstream, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    }
    downstream.on('data', (chunk: Buffer) => {
      if (!dropping) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!dropping) downstream.write(chunk);
    });
    // Never propagate FIN or RST once black-holed; before that, mirror them.
    downstream.on('end', () => !dropping && upstream.end());
    upstream.on('end', () => !dropping && downstream.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    blackhole() {
      dropping = true;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
