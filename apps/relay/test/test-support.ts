/**
 * Test helpers: a logger (the relay's real setup) whose events a test can read, a raw TLS caller that records everything
 * it receives until the relay closes, and a stub gateway session whose channels are in-memory
 * stream pairs.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { duplexPair, Writable } from 'node:stream';
import tls from 'node:tls';
import { createLogger, type Logger } from '@burrow/observability';
import type { GatewaySession } from '../src/gateway-registry.ts';
import type { CallerCertificate } from './relay-pki.ts';

export interface LogEvent {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export function captureLogger(): { logger: Logger; events: LogEvent[] } {
  const events: LogEvent[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') events.push(JSON.parse(line) as LogEvent);
      }
      done();
    },
  });
  return {
    logger: createLogger({ name: 'burrow-relay', level: 'debug', destination: sink }),
    events,
  };
}

export interface CallerOutcome {
  /** The TLS handshake completed from the client's point of view. */
  secureConnected: boolean;
  /** Application bytes received before the connection closed. */
  received: Buffer;
  error: Error | undefined;
}

/**
 * Connects to the relay with `certificate` (or none), optionally sends `send` and half-closes,
 * and reads (after `readDelayMs`, if given) until the relay closes the connection.
 */
export function callRelay(options: {
  port: number;
  relayServerChain: string;
  certificate?: CallerCertificate;
  send?: Buffer;
  endAfterSend?: boolean;
  maxVersion?: tls.SecureVersion;
  /** A slow reader: reads nothing for this long after the handshake. */
  readDelayMs?: number;
  /** The caller's own address (another loopback address is another source to the relay). */
  localAddress?: string;
}): Promise<CallerOutcome> {
  return new Promise((resolve) => {
    const outcome: CallerOutcome = {
      secureConnected: false,
      received: Buffer.alloc(0),
      error: undefined,
    };
    const chunks: Buffer[] = [];
    const socket = tls.connect({
      host: '127.0.0.1',
      port: options.port,
      ca: options.relayServerChain,
      ...(options.certificate
        ? { cert: options.certificate.certificate, key: options.certificate.privateKey }
        : {}),
      minVersion: 'TLSv1.2',
      ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}),
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    });
    socket.on('secureConnect', () => {
      outcome.secureConnected = true;
      if (options.send) socket.write(options.send);
      if (options.endAfterSend) socket.end();
      if (options.readDelayMs !== undefined) {
        socket.pause();
        setTimeout(() => socket.resume(), options.readDelayMs);
      }
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => (outcome.error ??= error));
    socket.on('close', () => {
      outcome.received = Buffer.concat(chunks);
      resolve(outcome);
    });
  });
}

/** How long slowClient waits to be dropped: beyond every deadline the tests give a listener. */
const SLOW_CLIENT_GIVE_UP_MS = 90_000;

/**
 * A TCP client that never finishes the TLS handshake: it sends the first byte of a never-ending
 * ClientHello record at once (`silent`: not even that), then (`dripEveryMs`) one more byte at that
 * interval. Resolves with how long until the relay dropped it.
 */

export function slowClient(
  port: number,
  dripEveryMs?: number,
  localAddress?: string,
  silent = false,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect({
      port,
      host: '127.0.0.1',
      ...(localAddress ? { localAddress } : {}),
    });
    // TLS record header: handshake (0x16), TLS 1.0 record version, length 0x4000; then filler.
    const record = Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00]), Buffer.alloc(64)]);
    let sent = 0;
    if (!silent) socket.once('connect', () => socket.write(record.subarray(0, ++sent)));
    const drip =
      dripEveryMs === undefined
        ? undefined
        : setInterval(() => {
            if (sent < record.length) socket.write(record.subarray(sent, ++sent));
          }, dripEveryMs);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(drip);
      resolve(Date.now() - started);
    });
    setTimeout(() => {
      clearInterval(drip);
      socket.destroy();
      reject(new Error('the relay did not drop the slow client'));
    }, SLOW_CLIENT_GIVE_UP_MS).unref();
  });
}

/**
 * A stub gateway session: `openChannel()` returns one end of an in-memory stream pair and hands
 * the other end to `onChannel` (the "gateway").
 */
export class StubGatewaySession extends EventEmitter implements GatewaySession {
  readonly gatewayId: string;
  readonly gatewayName: string | undefined;
  readonly remoteAddress = '127.0.0.1';
  readonly identSoftware = 'BurrowGateway';
  readonly identComments = 'drain-notice@burrow';
  channelsOpened = 0;
  closed = false;
  /** Whether it answers the relay's ping (false: a half-dead connection). */
  answers = true;
  private readonly onChannel: (gatewaySide: Duplex) => void;

  constructor(gatewayId: string, onChannel: (gatewaySide: Duplex) => void = () => undefined) {
    super();
    this.gatewayId = gatewayId;
    this.gatewayName = 'gw-test';
    this.onChannel = onChannel;
  }

  async openChannel(): Promise<Duplex> {
    this.channelsOpened += 1;
    const [relaySide, gatewaySide] = duplexPair();
    this.onChannel(gatewaySide);
    return relaySide;
  }

  async answersWithin(): Promise<boolean> {
    return this.answers && !this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }
}
