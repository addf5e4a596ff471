/**
 * The gateway side of the inner-TLS transport lever (inner-tls-transport.ts), in its own process
 * so that its CPU (process.cpuUsage, asked over IPC) is the gateway's alone.
 *
 * A "relay channel" here is a loopback TCP connection read and written from JavaScript through a
 * Duplex (`SimulatedChannel`): its bytes reach JavaScript as Buffers and leave through
 * `write()`, as an ssh2 channel's do (without SSH's cipher, which every variant would pay alike).
 * Each variant listens on its own port and ends every stream the same way: an mTLS server (the
 * gateway's options: client certificate required, TLS 1.2+) and the decrypted stream joined to the
 * bench target with `spliceStreams`, as the tcp-proxy action does.
 *
 *   js-stream              tls.Server.emit('connection', channel): Node wraps the JS stream in
 *                          JSStreamSocket (today's gateway)
 *   js-stream+cork-target  the same, with the destination of each splice direction corked for
 *                          the rest of the tick when data arrives (the 16 KiB records one channel
 *                          chunk decrypts to leave in one writev instead of one write each)
 *   unix-pair              the channel spliced into one end of a unix-domain socket pair (a
 *                          listener in a 0700 directory), the TLS server on the other end's native
 *                          handle
 *   unix-pair+cork-target  both levers together
 *   tcp-pair               the same over a loopback TCP pair
 *
 * Messages (IPC): parent -> 'cpu'; child -> { cpuMicros } (user + system since start).
 * On start it sends { ports: Record<variant, port> }.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { spliceStreams } from '@burrow/tunnel-protocol';

export const INNER_TLS_VARIANTS = [
  'js-stream',
  'js-stream+cork-target',
  'unix-pair',
  'unix-pair+cork-target',
  'tcp-pair',
] as const;
export type InnerTlsVariant = (typeof INNER_TLS_VARIANTS)[number];

export interface LeverGatewayConfig {
  serverCert: string;
  serverKey: string;
  ca: string;
  targetPort: number;
}

/** A relay channel stand-in: a JS Duplex over a TCP socket, writes coalesced like ssh2's. */
class SimulatedChannel extends Duplex {
  private readonly socket: net.Socket;

  constructor(socket: net.Socket) {
    super({ allowHalfOpen: true });
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (error) => this.destroy(error));
    socket.on('close', () => this.destroy());
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    done: (error?: Error | null) => void,
  ): void {
    this.socket.write(chunk, done);
  }

  override _writev(chunks: { chunk: Buffer }[], done: (error?: Error | null) => void): void {
    this.socket.write(Buffer.concat(chunks.map(({ chunk }) => chunk)), done);
  }

  override _final(done: () => void): void {
    this.socket.end(done);
  }

  override _destroy(error: Error | null, done: (error: Error | null) => void): void {
    this.socket.destroy();
    done(error);
  }
}

/** Corks `destination` for the rest of the tick whenever `source` emits data. */
function corkPerTick(source: Duplex, destination: Duplex): void {
  let corked = false;
  source.on('data', () => {
    if (corked) return;
    corked = true;
    destination.cork();
    process.nextTick(() => {
      corked = false;
      destination.uncork();
    });
  });
}

function startTlsServer(config: LeverGatewayConfig, corkTarget: boolean): tls.Server {
  const server = tls.createServer({
    cert: fs.readFileSync(config.serverCert),
    key: fs.readFileSync(config.serverKey),
    ca: fs.readFileSync(config.ca),
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    handshakeTimeout: 10_000,
  });
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    socket.on('error', () => socket.destroy());
    const target = net.connect({ port: config.targetPort, host: '127.0.0.1', allowHalfOpen: true });
    target.setNoDelay(true);
    target.on('error', () => target.destroy());
    target.once('connect', () => {
      socket.allowHalfOpen = true;
      if (corkTarget) {
        corkPerTick(socket, target);
        corkPerTick(target, socket);
      }
      void spliceStreams(socket, target);
    });
  });
  server.on('tlsClientError', (_error, socket) => socket.destroy());
  return server;
}

function listen(server: net.Server, where: string | number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = (): void => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    };
    if (typeof where === 'string') server.listen(where, done);
    else server.listen(where, '127.0.0.1', done);
  });
}

let pairListeners = 0;

/**
 * A native socket pair through a listener only this process dials: each accepted end is handed to
 * the TLS server in accept order (one stream at a time in this lever; the gateway would need an
 * unforgeable pairing).
 */
async function startPairVariant(
  tlsServer: tls.Server,
  kind: 'unix' | 'tcp',
  privateDir: string,
): Promise<(channel: Duplex) => void> {
  const listener = net.createServer({ allowHalfOpen: true, noDelay: true }, (end) =>
    tlsServer.emit('connection', end),
  );
  const socketPath = path.join(privateDir, `${kind}-${++pairListeners}.sock`);
  const port = await listen(listener, kind === 'unix' ? socketPath : 0);
  return (channel) => {
    const end =
      kind === 'unix'
        ? net.connect({ path: socketPath, allowHalfOpen: true })
        : net.connect({ port, host: '127.0.0.1', allowHalfOpen: true, noDelay: true });
    end.on('error', () => end.destroy());
    void spliceStreams(channel, end);
  };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] as string) as LeverGatewayConfig;
  const privateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-lever-'));
  fs.chmodSync(privateDir, 0o700);
  const plain = startTlsServer(config, false);
  const corked = startTlsServer(config, true);
  const handlers: Record<InnerTlsVariant, (channel: Duplex) => void> = {
    'js-stream': (channel) => plain.emit('connection', channel),
    'js-stream+cork-target': (channel) => corked.emit('connection', channel),
    'unix-pair': await startPairVariant(startTlsServer(config, false), 'unix', privateDir),
    'unix-pair+cork-target': await startPairVariant(
      startTlsServer(config, true),
      'unix',
      privateDir,
    ),
    'tcp-pair': await startPairVariant(startTlsServer(config, false), 'tcp', privateDir),
  };

  const ports = {} as Record<InnerTlsVariant, number>;
  for (const variant of INNER_TLS_VARIANTS) {
    const relaySide = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) =>
      handlers[variant](new SimulatedChannel(socket)),
    );
    ports[variant] = await listen(relaySide, 0);
  }
  process.on('message', (message) => {
    if (message !== 'cpu') return;
    const usage = process.cpuUsage();
    process.send?.({ cpuMicros: usage.user + usage.system });
  });
  process.on('disconnect', () => {
    fs.rmSync(privateDir, { recursive: true, force: true });
    process.exit(0);
  });
  process.send?.({ ports });
}

if (process.argv[1] === import.meta.filename) await main();
