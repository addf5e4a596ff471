/**
 * spliceStreams on real loopback sockets:
 *
 *   client --TCP or TLS--> [a | splice | b] --TCP--> target
 *
 * The target plays the peer that closes (cleanly, by reset, ...); the client is the reader whose
 * bytes must all arrive, or who must see an error.
 */
import crypto from 'node:crypto';
import net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createRootCa, issueRelayServerCertificate, serverCertificateChainPem } from '@burrow/pki';
import { spliceStreams, type SpliceOptions, type SpliceResult } from '../src/index.ts';

const MIB = 1024 * 1024;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

let serverTls: { cert: string; key: string; ca: string };
beforeAll(async () => {
  const root = await createRootCa({ subject: { CN: 'splice test root' } });
  const leaf = await issueRelayServerCertificate({ issuer: root, host: '127.0.0.1' });
  serverTls = {
    cert: leaf.certificatePem,
    key: leaf.privateKeyPem,
    ca: serverCertificateChainPem(root),
  };
});

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  );
  return (server.address() as net.AddressInfo).port;
}

/** A target that runs `behave` on each connection, and a splicing proxy in front of it. */
async function spliceProxy(
  behave: (socket: net.Socket) => void,
  options: SpliceOptions & { tls?: boolean } = {},
): Promise<{ port: number; results: Promise<SpliceResult>[] }> {
  const sockets = new Set<Duplex>();
  const track = (socket: Duplex): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy();
  });
  const target = net.createServer({ allowHalfOpen: true }, (socket) => {
    track(socket);
    socket.on('error', () => undefined);
    behave(socket);
  });
  const targetPort = await listen(target);
  const results: Promise<SpliceResult>[] = [];
  const onCaller = (a: net.Socket): void => {
    track(a);
    const b = net.connect({ port: targetPort, host: '127.0.0.1', allowHalfOpen: true });
    track(b);
    results.push(spliceStreams(a, b, options));
  };
  const proxy = options.tls
    ? tls.createServer({ cert: serverTls.cert, key: serverTls.key, allowHalfOpen: true }, onCaller)
    : net.createServer({ allowHalfOpen: true }, onCaller);
  return { port: await listen(proxy), results };
}

interface Reading {
  received: Buffer;
  error: NodeJS.ErrnoException | undefined;
  cleanEnd: boolean;
}

/**
 * Connects, optionally sends `send` (then half-closes), and reads until close; `slow` reads one
 * 64 KiB piece every 5 ms after a 300 ms pause, `stallMs` reads nothing for that long.
 */
function client(
  port: number,
  how: { tls?: boolean; send?: Buffer; endAfterSend?: boolean; slow?: boolean; stallMs?: number },
): Promise<Reading> {
  return new Promise((resolve) => {
    const socket: net.Socket = how.tls
      ? tls.connect({ port, host: '127.0.0.1', ca: serverTls.ca })
      : net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    cleanups.push(() => void socket.destroy());
    const chunks: Buffer[] = [];
    const reading: Reading = { received: Buffer.alloc(0), error: undefined, cleanEnd: false };
    socket.once(how.tls ? 'secureConnect' : 'connect', () => {
      if (how.send) socket.write(how.send);
      if (how.endAfterSend) socket.end();
    });
    socket.on('error', (error) => (reading.error ??= error));
    socket.once('end', () => (reading.cleanEnd = true));
    socket.once('close', () => {
      reading.received = Buffer.concat(chunks);
      resolve(reading);
    });
    if (how.slow || how.stallMs !== undefined) {
      socket.pause();
      const pump = (): void => {
        let chunk: Buffer | null;
        while ((chunk = socket.read(64 * 1024) as Buffer | null) !== null) chunks.push(chunk);
        if (!socket.destroyed) setTimeout(pump, 5);
      };
      setTimeout(pump, how.stallMs ?? 300);
      socket.on('end', () => {
        let chunk: Buffer | null;
        while ((chunk = socket.read() as Buffer | null) !== null) chunks.push(chunk);
      });
    } else {
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    }
  });
}

describe('spliceStreams', () => {
  it('delivers a 1 MiB reply to a slow reader after the peer ended, then ends cleanly', async () => {
    const reply = crypto.randomBytes(MIB);
    const proxy = await spliceProxy((target) => target.end(reply));
    const reading = await client(proxy.port, { slow: true, endAfterSend: true });
    expect(reading.error).toBeUndefined();
    expect(reading.cleanEnd).toBe(true);
    expect(reading.received.equals(reply)).toBe(true);
    const result = await proxy.results[0]!;
    expect(result).toMatchObject({ bytesFromB: MIB, error: undefined });
    expect(result.resetAfterFlushTimeout).toBeUndefined();
  });

  it('delivers the tail when the peer is destroyed right after writing (TLS reader)', async () => {
    // The target writes, then destroys its socket: the splice sees that side end and close while
    // 1 MiB is still on its way into a TLS socket whose reader is slow.
    const reply = crypto.randomBytes(MIB);
    const proxy = await spliceProxy((target) => target.write(reply, () => target.destroy()), {
      tls: true,
      maxBufferedBytes: 8 * MIB,
    });
    const reading = await client(proxy.port, { tls: true, slow: true, endAfterSend: true });
    expect(reading.error).toBeUndefined();
    expect(reading.received.length).toBe(MIB);
    expect(reading.received.equals(reply)).toBe(true);
  });

  it.each([false, true])(
    'passes a peer reset on as an error after every accepted byte (TLS reader: %s)',
    async (useTls) => {
      const reply = crypto.randomBytes(MIB);
      const proxy = await spliceProxy(
        (target) => target.write(reply, () => setTimeout(() => target.resetAndDestroy(), 50)),
        { tls: useTls },
      );
      const reading = await client(proxy.port, { tls: useTls });
      const result = await proxy.results[0]!;
      expect(result.error).toMatchObject({ code: 'ECONNRESET' });
      // Never a clean end of a shorter stream: the reader sees the reset.
      expect(reading.error).toBeDefined();
      expect(reading.cleanEnd).toBe(false);
      // What it did get is the start of what the target sent: every byte the splice accepted
      // (TCP). A TLS socket reports a write done before its records have left the TLS layer, so
      // the reset can overtake the last of them: fewer bytes then, but always with the error.
      expect(reading.received.equals(reply.subarray(0, reading.received.length))).toBe(true);
      if (useTls) expect(reading.received.length).toBeLessThanOrEqual(result.bytesFromB);
      else expect(reading.received.length).toBe(result.bytesFromB);
    },
  );

  it('keeps half-close: the caller ends its request, the answer still comes back', async () => {
    const proxy = await spliceProxy((target) => {
      const request: Buffer[] = [];
      target.on('data', (chunk: Buffer) => request.push(chunk));
      target.on('end', () => target.end(`got ${Buffer.concat(request).length} bytes`));
    });
    const reading = await client(proxy.port, {
      send: crypto.randomBytes(3 * MIB),
      endAfterSend: true,
    });
    expect(reading.error).toBeUndefined();
    expect(reading.received.toString()).toBe(`got ${3 * MIB} bytes`);
    expect(await proxy.results[0]).toMatchObject({ bytesFromA: 3 * MIB, error: undefined });
  });

  it('keeps half-close the other way: the target ends first and still reads the caller', async () => {
    let targetGot = 0;
    let targetEnded!: () => void;
    const targetEnd = new Promise<void>((resolve) => (targetEnded = resolve));
    const proxy = await spliceProxy((target) => {
      target.end('hello');
      target.on('data', (chunk: Buffer) => (targetGot += chunk.length));
      target.on('end', () => targetEnded());
    });
    const reading = await client(proxy.port, {
      send: crypto.randomBytes(2 * MIB),
      endAfterSend: true,
    });
    expect(reading.received.toString()).toBe('hello');
    expect(reading.error).toBeUndefined();
    await targetEnd;
    expect(targetGot).toBe(2 * MIB);
  });

  it('resets a reader that does not take its tail within the flush deadline', async () => {
    const reply = crypto.randomBytes(8 * MIB);
    const proxy = await spliceProxy(
      (target) => {
        target.resume();
        target.end(reply);
      },
      { flushTimeoutMs: 300, maxBufferedBytes: 64 * MIB },
    );
    // Sends its EOF at once (so both directions of the target are done) and reads nothing for
    // 1.5 s: more than the flush deadline. (The large maxBufferedBytes lets the splice read the
    // whole reply, so that the target's side ends and closes while the tail is queued.)
    const reading = await client(proxy.port, { endAfterSend: true, stallMs: 1_500 });
    const result = await proxy.results[0]!;
    expect(result.resetAfterFlushTimeout).toBe('a');
    expect(reading.cleanEnd).toBe(false);
    expect(reading.error).toMatchObject({ code: 'ECONNRESET' });
    expect(reading.received.length).toBeLessThan(reply.length);
  });

  it('an error on one side ends the splice; the other side is closed, not left open', async () => {
    let targetClosed!: () => void;
    const targetClosedPromise = new Promise<void>((resolve) => (targetClosed = resolve));
    const proxy = await spliceProxy((target) => {
      target.on('close', () => targetClosed());
      target.resume();
    });
    const socket = net.connect({ port: proxy.port, host: '127.0.0.1' });
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(crypto.randomBytes(64 * 1024), () => socket.resetAndDestroy());
    const result = await proxy.results[0]!;
    expect(result.error).toMatchObject({ code: 'ECONNRESET' });
    await targetClosedPromise;
  });

  it('pauses the source at maxBufferedBytes while the destination does not flush', async () => {
    // The destination accepts writes up to an 8 MiB high-water mark but never flushes them (an
    // SSH channel without window): the splice stops reading the flooding source near the limit.
    const stuck = new Duplex({
      highWaterMark: 8 * MIB,
      read() {},
      write(_chunk, _encoding, _callback) {
        // never flushed
      },
    });
    cleanups.push(() => void stuck.destroy());
    const source = await new Promise<net.Socket>((resolve) => {
      const server = net.createServer({ allowHalfOpen: true }, resolve);
      void listen(server).then((port) => {
        const flood = net.connect({ port, host: '127.0.0.1' });
        cleanups.push(() => void flood.destroy());
        flood.on('error', () => undefined);
        const chunk = crypto.randomBytes(64 * 1024);
        const pump = (): void => {
          while (!flood.destroyed && flood.write(chunk));
          if (!flood.destroyed) flood.once('drain', pump);
        };
        flood.once('connect', pump);
      });
    });
    cleanups.push(() => void source.destroy());
    const done = spliceStreams(source, stuck, { maxBufferedBytes: 128 * 1024 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(stuck.writableLength).toBeGreaterThan(0);
    expect(stuck.writableLength).toBeLessThanOrEqual(128 * 1024 + 64 * 1024);
    source.destroy();
    stuck.destroy();
    expect((await done).bytesFromA).toBe(stuck.writableLength);
  });
});
