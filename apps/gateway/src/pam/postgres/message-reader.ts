/**
 * Pull-style reading of a PostgreSQL server's bytes during the phases the gateway drives itself
 * (the one-byte SSL answer, then typed messages until authentication is done). Afterwards the
 * stream is released in paused mode and whatever was read past the last message is handed back,
 * so the relay starts exactly where this reader stopped.
 *
 * Typed messages here are small (authentication requests, errors, parameter status); a body over
 * {@link MAX_AUTH_PHASE_MESSAGE_BYTES} is a protocol violation.
 */
import type { Duplex } from 'node:stream';
import type { PgMessage } from './wire-messages.ts';
import { PgProtocolError } from './wire-messages.ts';

/** Authentication-phase messages are a few hundred bytes; this leaves room for long errors. */
export const MAX_AUTH_PHASE_MESSAGE_BYTES = 64 * 1024;

export class MessageReader {
  private buffered: Buffer = Buffer.alloc(0);
  private readonly stream: Duplex;
  private waiter: (() => void) | undefined;
  private ended = false;
  private failure: Error | undefined;
  private readonly onData = (chunk: Buffer): void => {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    if (this.buffered.length > MAX_AUTH_PHASE_MESSAGE_BYTES * 2) this.stream.pause();
    this.wake();
  };
  private readonly onEnd = (): void => {
    this.ended = true;
    this.wake();
  };
  private readonly onError = (error: Error): void => {
    this.failure = error;
    this.wake();
  };

  constructor(stream: Duplex, initial: Buffer = Buffer.alloc(0)) {
    this.stream = stream;
    this.buffered = initial;
    stream.on('data', this.onData);
    stream.once('end', this.onEnd);
    stream.once('close', this.onEnd);
    stream.on('error', this.onError);
  }

  /** One raw byte (the answer to SSLRequest). */
  async byte(): Promise<number> {
    await this.fill(1);
    const value = this.buffered[0]!;
    this.buffered = this.buffered.subarray(1);
    return value;
  }

  /** The next typed message. */
  async message(): Promise<PgMessage> {
    await this.fill(5);
    const length = this.buffered.readInt32BE(1);
    if (length < 4 || length - 4 > MAX_AUTH_PHASE_MESSAGE_BYTES) {
      throw new PgProtocolError(`server message with invalid length ${length}`);
    }
    await this.fill(1 + length);
    const type = String.fromCharCode(this.buffered[0]!);
    const body = Buffer.from(this.buffered.subarray(5, 1 + length));
    this.buffered = this.buffered.subarray(1 + length);
    return { type, body };
  }

  /** Stops reading; returns the bytes read past the last message. The stream is left paused. */
  release(): Buffer {
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.stream.off('close', this.onEnd);
    this.stream.off('error', this.onError);
    this.stream.pause();
    const rest = this.buffered;
    this.buffered = Buffer.alloc(0);
    return rest;
  }

  private async fill(count: number): Promise<void> {
    while (this.buffered.length < count) {
      this.stream.resume();
      if (this.failure) throw this.failure;
      if (this.ended) throw new PgProtocolError('the server closed the connection');
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}
