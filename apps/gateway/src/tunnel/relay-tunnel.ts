/**
 * The gateway's one outbound connection to its relay, kept up forever.
 *
 *   loop:
 *     register again (fresh certificates; the relay may have moved)  -- skipped for the very first
 *                                                                       dial, which uses the
 *                                                                       registration made at start
 *       (control plane unreachable -> log it and dial with the latest registration we have: its
 *        SSH certificate lives a day, so a control plane outage does not cut the gateway off)
 *     dial the relay over SSH (connectToRelay: user cert auth, host cert check, keepalives)
 *     serve: every channel the relay opens goes to `onChannel`
 *     wait until the connection is lost (keepalive timeout, relay restart, network)
 *     wait backoff.next(): exponential with full jitter, capped at 30 s
 *
 * The backoff resets once a connection has stayed up for `stableConnectionMs`, so a relay that
 * accepts and immediately drops the gateway cannot make it reconnect (and re-register) in a tight
 * loop, while a long-lived connection that drops is retried within half a second.
 */
import type { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { ReconnectBackoff } from '@burrow/tunnel-protocol';
import type { Logger } from '@burrow/observability';

/** The part of @burrow/ssh-transport's RelaySshConnection the tunnel uses. */
export interface RelayConnection extends EventEmitter {
  close(): void;
}

/** A connection must stay up this long before a later loss starts the backoff from scratch. */
export const STABLE_CONNECTION_MS = 10_000;

export interface RelayTunnelOptions<R> {
  /** Registers the gateway again; rejects when the control plane refused or was unreachable. */
  register: (signal: AbortSignal) => Promise<R>;
  /** Dials the relay with a registration's SSH credentials. */
  dial: (registration: R) => Promise<RelayConnection>;
  /** Gets every channel the relay opens. */
  onChannel: (channel: Duplex) => void;
  /** Called after each successful (re-)registration made by the loop. */
  onRegistered?: (registration: R) => void;
  /** Called after each successful dial; `reconnect` is false for the first one. */
  onConnected?: (registration: R, info: { reconnect: boolean; attempt: number }) => void;
  logger: Logger;
  backoff?: ReconnectBackoff;
  stableConnectionMs?: number;
  /** Waits `ms` or until `signal` aborts (tests pass a fake clock). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  now?: () => number;
}

export class RelayTunnel<R> {
  private readonly options: RelayTunnelOptions<R>;
  private readonly backoff: ReconnectBackoff;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly now: () => number;
  private readonly stopController = new AbortController();
  private latest: R | undefined;
  private connection: RelayConnection | undefined;
  private running: Promise<void> | undefined;
  private connectedOnce = false;

  constructor(options: RelayTunnelOptions<R>) {
    this.options = options;
    this.backoff = options.backoff ?? new ReconnectBackoff();
    this.sleep = options.sleep ?? abortableSleep;
    this.now = options.now ?? Date.now;
  }

  /** Starts the loop; the first dial uses `initial` without registering again. */
  start(initial: R): void {
    if (this.running) throw new Error('relay tunnel already started');
    this.latest = initial;
    this.running = this.loop().catch((error: unknown) => {
      // Only a bug gets here (every expected failure is handled inside the loop).
      this.options.logger.fatal({ error: errorMessage(error) }, 'relay tunnel loop failed');
      throw error;
    });
  }

  /** A registration made elsewhere (certificate renewal): the next dial uses it. */
  useRegistration(registration: R): void {
    this.latest = registration;
  }

  /** Whether an SSH connection to the relay is up right now. */
  get connected(): boolean {
    return this.connection !== undefined;
  }

  /** Closes the current connection; the loop registers again and dials as after a loss. */
  dropConnection(): void {
    this.connection?.close();
  }

  /** Stops the loop and closes the connection; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.stopController.abort();
    this.connection?.close();
    await this.running;
  }

  private get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  private async loop(): Promise<void> {
    const { logger } = this.options;
    let attempt = 0; // dials since the last stable connection
    let fresh = true; // `latest` was registered just now (at start)
    while (!this.stopped) {
      if (!fresh) await this.registerAgain();
      fresh = false;
      if (this.stopped) break;
      attempt += 1;
      const connection = await this.dial();
      if (this.stopped) {
        connection?.close();
        break;
      }
      if (connection) {
        const connectedAt = this.now();
        const reason = await this.serve(connection, attempt);
        if (this.stopped) break;
        const upForMs = this.now() - connectedAt;
        logger.warn({ error: reason?.message, upForMs }, 'relay connection lost');
        if (upForMs >= (this.options.stableConnectionMs ?? STABLE_CONNECTION_MS)) {
          this.backoff.reset();
          attempt = 0;
        }
      }
      const delayMs = this.backoff.next();
      logger.info({ attempt: attempt + 1, delayMs }, 'reconnecting to relay');
      await this.sleep(delayMs, this.stopController.signal).catch(() => undefined);
    }
  }

  private async registerAgain(): Promise<void> {
    try {
      const registration = await this.options.register(this.stopController.signal);
      this.latest = registration;
      this.options.onRegistered?.(registration);
    } catch (error) {
      if (this.stopped) return;
      this.options.logger.warn(
        { error: errorMessage(error) },
        'gateway registration failed; dialing with the previous credentials',
      );
    }
  }

  /** Dials; resolves undefined after logging a failure (or when stopped mid-dial). */
  private async dial(): Promise<RelayConnection | undefined> {
    const signal = this.stopController.signal;
    let onAbort: () => void = () => undefined;
    const stopped = new Promise<undefined>((resolve) => {
      onAbort = () => resolve(undefined);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    const dialing = this.options.dial(this.latest as R);
    try {
      const connection = await Promise.race([dialing, stopped]);
      if (connection === undefined) {
        // Stopped while dialing: close whatever the dial still produces.
        dialing.then((late) => late.close()).catch(() => undefined);
      }
      return connection;
    } catch (error) {
      this.options.logger.warn({ error: errorMessage(error) }, 'relay dial failed');
      return undefined;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Serves one connection until it closes; resolves with the reason it closed. */
  private serve(connection: RelayConnection, attempt: number): Promise<Error | undefined> {
    return new Promise((resolve) => {
      this.connection = connection;
      connection.on('channel', (channel: Duplex) => {
        try {
          this.options.onChannel(channel);
        } catch (error) {
          this.options.logger.error({ error: errorMessage(error) }, 'channel handler failed');
          channel.destroy();
        }
      });
      connection.once('close', (reason?: Error) => {
        this.connection = undefined;
        resolve(reason);
      });
      const reconnect = this.connectedOnce;
      this.connectedOnce = true;
      this.options.onConnected?.(this.latest as R, { reconnect, attempt });
    });
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
