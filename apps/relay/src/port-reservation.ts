import net from 'node:net';
import type { ListenAddress } from '@burrow/observability';
import { formatListenAddress } from '@burrow/observability';

/**
 * The relay binds its listen addresses before it logs in and registers, so an address that is
 * taken (another relay, a stray process) fails the start before the control plane lists a relay
 * that never ran. The SSH and TLS servers need the credentials registration returns, so they are
 * created afterwards: {@link PortReservation.release} closes the placeholder sockets right before
 * they listen. A connection that arrives meanwhile is closed at once (a gateway retries).
 *
 * @example
 *   const reserved = await reserveListenAddresses([{ label: '--tls-listen-address', address }]);
 *   const credentials = await register();
 *   await reserved.release();
 *   await callers.listen(address.port, address.host);
 */
export interface PortReservation {
  release(): Promise<void>;
}

export interface ReservedAddress {
  /** The setting that chose the address, first in the error, e.g. `--ssh-listen-address (…)`. */
  label: string;
  address: ListenAddress;
}

export async function reserveListenAddresses(
  addresses: readonly ReservedAddress[],
): Promise<PortReservation> {
  const servers: net.Server[] = [];
  const release = async (): Promise<void> => {
    await Promise.all(
      servers
        .splice(0)
        .map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
  };
  try {
    for (const { label, address } of addresses) servers.push(await bind(label, address));
  } catch (error) {
    await release();
    throw error;
  }
  return { release };
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
