import net from 'node:net';

/**
 * A TCP port that was free on `host` a moment ago (the kernel picks it). Another process could
 * take it before the caller binds it; callers start their servers right away, which is good
 * enough for tests and the local stack.
 *
 * @example
 *   const port = await freePort();
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
