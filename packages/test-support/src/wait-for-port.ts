import net from 'node:net';

/** How long one connection attempt may take before it counts as "not yet". */
const ATTEMPT_TIMEOUT_MS = 500;
/** Pause between attempts. */
const RETRY_DELAY_MS = 25;

/**
 * Resolves once something accepts TCP connections on 127.0.0.1:`port`; rejects after `timeoutMs`,
 * or at once when `stillAlive` says the process that should listen there has exited.
 *
 * @example
 *   const sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config]);
 *   await waitForPort(port, 5_000, () => sshd.exitCode === null);
 */
export async function waitForPort(
  port: number,
  timeoutMs = 15_000,
  stillAlive: () => boolean = () => true,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const accepted = await new Promise<boolean>((resolve) => {
      const socket = net.createConnection({ host: '127.0.0.1', port });
      socket.setTimeout(ATTEMPT_TIMEOUT_MS);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(false));
    });
    if (accepted) return;
    if (!stillAlive()) throw new Error(`process exited before 127.0.0.1:${port} accepted`);
    if (Date.now() > deadline) {
      throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
  }
}
