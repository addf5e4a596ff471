/**
 * A fault-injecting TCP proxy for the fault tests: listens on `listen`, forwards every connection
 * to `target`, and on command stops forwarding without closing anything (`blackHole()`): bytes
 * are read and dropped in both directions, so both peers see a path that is silently dead — no
 * FIN, no RST, exactly what a broken NAT or a pulled cable looks like. `restore()` forwards new
 * connections again and resets the black-holed ones (their bytes are lost, so they could never
 * resume; a reset is what a peer's retransmissions get when the path comes back to a NAT that
 * forgot the flow). `close()` stops it and every connection.
 *
 * @example
 *   const proxy = await startFaultProxy({ listen: { host: '127.0.0.2', port }, target: { host: '127.0.0.1', port } });
 *   proxy.blackHole(); ...; proxy.restore(); await proxy.close();
 */
import net from 'node:net';

export interface FaultProxyOptions {
  listen: { host: string; port: number };
  target: { host: string; port: number };
}

export interface FaultProxy {
  readonly port: number;
  /** Connections open right now (both legs count as one). */
  readonly connections: number;
  blackHole(): void;
  restore(): void;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  dead: boolean;
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const pairs = new Set<Pair>();
  let blackHoled = false;
  const kill = (pair: Pair): void => {
    // Read and drop from now on; never write, never close.
    pair.dead = true;
    pair.client.unpipe(pair.upstream);
    pair.upstream.unpipe(pair.client);
    pair.client.on('data', () => undefined);
    pair.upstream.on('data', () => undefined);
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(options.target.port, options.target.host);
    const pair: Pair = { client, upstream, dead: false };
    pairs.add(pair);
    const end = (): void => {
      pairs.delete(pair);
      if (pair.dead) return; // a black hole does not pass closes on either
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    if (blackHoled) {
      kill(pair);
      return;
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen.port, options.listen.host, () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    get connections() {
      return pairs.size;
    },
    blackHole() {
      blackHoled = true;
      for (const pair of pairs) kill(pair);
    },
    restore() {
      blackHoled = false;
      for (const pair of pairs) {
        if (!pair.dead) continue;
        pairs.delete(pair);
        pair.client.resetAndDestroy();
        pair.upstream.resetAndDestroy();
      }
    },
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
