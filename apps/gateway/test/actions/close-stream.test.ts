/**
 * endStream with a slow reader: the linger that bounds a caller who never closes its side starts
 * once the last byte has left, so a reply is never cut while the caller is still reading it; a
 * caller who reads nothing at all is cut at the flush deadline.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { endStream } from '../../src/actions/close-stream.ts';

const sockets: net.Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
});

/** Two connected loopback sockets that keep half-close, as relay channels do. */
async function socketPair(): Promise<{ gatewaySide: net.Socket; caller: net.Socket }> {
  const server = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const { port } = server.address() as net.AddressInfo;
  const caller = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  const gatewaySide = await accepted;
  server.close();
  sockets.push(caller, gatewaySide);
  caller.on('error', () => undefined);
  gatewaySide.on('error', () => undefined);
  return { gatewaySide, caller };
}

describe('endStream', () => {
  it('delivers a long reply whole to a reader that starts late and reads slowly', async () => {
    const { gatewaySide, caller } = await socketPair();
    caller.pause();
    // Far more than loopback's socket buffers hold, so most of it leaves only as the caller reads.
    const reply = 'x'.repeat(32 * 1024 * 1024);
    const LINGER_MS = 200;
    endStream(gatewaySide, reply, LINGER_MS, 60_000);
    const received = await new Promise<number>((resolve) => {
      let bytes = 0;
      // The caller comes back well after the linger, then reads in small steps.
      setTimeout(() => {
        caller.on('readable', () => {
          let chunk: Buffer | null;
          while ((chunk = caller.read(64 * 1024) as Buffer | null) !== null) bytes += chunk.length;
        });
        caller.once('end', () => resolve(bytes));
        caller.once('close', () => resolve(bytes));
      }, LINGER_MS * 5);
    });
    expect(received).toBe(reply.length);
  });

  it('cuts a reader that takes nothing at the flush deadline', async () => {
    const { gatewaySide, caller } = await socketPair();
    caller.pause(); // never reads
    const closed = new Promise<void>((resolve) => gatewaySide.once('close', () => resolve()));
    endStream(gatewaySide, 'x'.repeat(32 * 1024 * 1024), 200, 1_000);
    await closed;
    expect(gatewaySide.destroyed).toBe(true);
    expect(gatewaySide.writableFinished).toBe(false);
  });

  it('destroys a stream whose caller never closes its side, the linger after the last byte', async () => {
    const { gatewaySide, caller } = await socketPair();
    const got: Buffer[] = [];
    caller.on('data', (chunk: Buffer) => got.push(chunk)); // reads, but never ends its side
    const closed = new Promise<void>((resolve) => gatewaySide.once('close', () => resolve()));
    endStream(gatewaySide, 'PONG\n', 200, 60_000);
    await closed;
    expect(Buffer.concat(got).toString()).toBe('PONG\n');
  });
});
