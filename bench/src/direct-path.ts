/** The baseline: the caller connects straight to the target (TCP, TCP_NODELAY). */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { BenchPath } from './bench-path.ts';

export function directPath(targetPort: number, targetPid: number): BenchPath {
  const dial = (): Promise<Duplex> =>
    new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port: targetPort, noDelay: true });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(socket);
      });
      socket.once('error', reject);
    });
  return {
    name: 'direct',
    commands: [`caller: net.connect(127.0.0.1:${targetPort}) with TCP_NODELAY`],
    roles: {
      caller: [{ pid: process.pid, tree: false }],
      relay: [],
      gateway: [],
      target: [{ pid: targetPid }],
    },
    dialer: () => dial,
    stop: async () => undefined,
  };
}
