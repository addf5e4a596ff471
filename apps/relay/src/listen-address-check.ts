import net from 'node:net';
import type { ListenAddress } from '@burrow/observability';
import { formatListenAddress } from '@burrow/observability';

/**
 * The relay binds each of its listen addresses once before it logs in and registers, so an
 * address that is taken (another relay, a stray process) fails the start before the control plane
 * lists a relay that never ran. The sockets are closed again at once: the SSH and TLS servers need
 * the credentials registration returns, and their ports must only accept once the relay is
 * registered (compose's health check and gateways take an open SSH port to mean exactly that).
 *
 * @example
 *   await checkListenAddressesFree([{ label: '--tls-listen-address', address }]); // throws when taken
 */
export interface CheckedAddress {
  /** The setting that chose the address, first in the error, e.g. `--ssh-listen-address (…)`. */
  label: string;
  address: ListenAddress;
}

export async function checkListenAddressesFree(
  addresses: readonly CheckedAddress[],
): Promise<void> {
  const bound: net.Server[] = [];
  try {
    for (const { label, address } of addresses) bound.push(await bind(label, address));
  } finally {
    await Promise.all(
      bound.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
  }
}

function bind(label: string, address: ListenAddress): Promise<net.Server> {
  const server = net.createServer((socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'address already in use' : error.message;
      reject(new Error(`${label}: cannot listen on ${formatListenAddress(address)}: ${why}`));
    });
    server.listen(address.port, address.host, () => resolve(server));
  });
}
