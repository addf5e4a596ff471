/** The baseline: the caller connects straight to the target (TCP, TCP_NODELAY). */
import net from 'node:net';
import type { BenchPath } from './bench-path.ts';
import type { Dial } from './dial.ts';

export function directPath(targetPort: number, targetPid: number): BenchPath {
  const dial: Dial = (onStageDone) =>
    new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port: targetPort, noDelay: true });
      socket.once('connect', () => {
        onStageDone?.('connect', performance.now());
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
