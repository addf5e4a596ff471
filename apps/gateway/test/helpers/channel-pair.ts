/**
 * A relay channel stand-in: two connected loopback sockets, the gateway's end wrapped as a plain
 * Duplex (an ssh2 channel is a Duplex, not a net.Socket, so node:tls runs it through its JS stream
 * wrapper exactly as in production). Both ends keep half-close, like SSH channels.
 */
import net from 'node:net';
import { Duplex } from 'node:stream';

export interface ChannelPair {
  /** What the inner TLS server gets (the gateway's side of the relay channel). */
  channel: Duplex;
  /** The caller's side: start the inner TLS client on it. */
  caller: net.Socket;
}

export async function createChannelPair(): Promise<ChannelPair> {
  const server = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const { port } = server.address() as net.AddressInfo;
  const caller = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  const gatewaySide = await accepted;
  server.close();
  await new Promise<void>((resolve) => caller.once('connect', () => resolve()));
  caller.setNoDelay(true);
  gatewaySide.setNoDelay(true);
  return { channel: asChannel(gatewaySide), caller };
}

/** Wraps a socket as a plain Duplex with half-close, as an ssh2 channel is. */
export function asChannel(socket: net.Socket): Duplex {
  const channel = new Duplex({
    allowHalfOpen: true,
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      socket.write(chunk, (error) => callback(error ?? null));
    },
    final(callback) {
      socket.end(() => callback());
    },
    destroy(error, callback) {
      socket.destroy();
      callback(error);
    },
  });
  socket.on('data', (chunk: Buffer) => {
    if (!channel.push(chunk)) socket.pause();
  });
  socket.on('end', () => channel.push(null));
  socket.on('error', () => undefined);
  socket.on('close', () => channel.destroy());
  return channel;
}
