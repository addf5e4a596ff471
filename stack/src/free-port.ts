import net from 'node:net';

/**
 * Asks the kernel for a free TCP port on loopback. There is a short window in which another
 * process could take it; the stack starts its servers right away, which is good enough for tests
 * and the local demo.
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
