/**
 * Pull-style reading of a PostgreSQL server's bytes during the phases the gateway drives itself
 * (the one-byte SSL answer, then typed messages until authentication is done). Afterwards the
 * stream is released in paused mode and whatever was read past the last message is handed back,
 * so the relay starts exactly where this reader stopped.
 *
 * Typed messages here are small (authentication requests, errors, parameter status); a body over
 * {@link MAX_AUTH_PHASE_MESSAGE_BYTES} is a protocol violation.
 *
 * {@link PulledBytes} is the buffering underneath, shared with the caller-side startup reader
 * (startup.ts), which pulls untyped packets the same way.
 */
import type { Duplex } from 'node:stream';
import type { PgMessage } from './wire-messages.ts';
import { PgProtocolError } from './wire-messages.ts';

/** Authentication-phase messages are a few hundred bytes; this leaves room for long errors. */
export const MAX_AUTH_PHASE_MESSAGE_BYTES = 64 * 1024;

export class MessageReader {
  private readonly input: PulledBytes;

  constructor(stream: Duplex, initial: Buffer = Buffer.alloc(0)) {
    this.input = new PulledBytes(stream, {
      pauseAboveBytes: MAX_AUTH_PHASE_MESSAGE_BYTES * 2,
      closedMessage: 'the server closed the connection',
      initial,
    });
  }

  /** One raw byte (the answer to SSLRequest). */
  async byte(): Promise<number> {
    await this.input.fill(1);
    return this.input.take(1)[0]!;
  }

  /** The next typed message. */
  async message(): Promise<PgMessage> {
    await this.input.fill(5);
    const length = this.input.peek().readInt32BE(1);
    if (length < 4 || length - 4 > MAX_AUTH_PHASE_MESSAGE_BYTES) {
      throw new PgProtocolError(`server message with invalid length ${length}`);
    }
    await this.input.fill(1 + length);
    const message = this.input.take(1 + length);
    return { type: String.fromCharCode(message[0]!), body: Buffer.from(message.subarray(5)) };
  }

  /** Stops reading; returns the bytes read past the last message. The stream is left paused. */
  release(): Buffer {
    return this.input.release();
  }
}

export interface PulledBytesOptions {
  /** The stream is paused while more than this many bytes wait unread. */
  readonly pauseAboveBytes: number;
  /** The PgProtocolError message when the stream ends before enough bytes came. */
  readonly closedMessage: string;
  /** What a stream error becomes; default: the error itself. */
  readonly streamError?: (error: Error) => Error;
  /** Bytes already read from the stream by an earlier reader. */
  readonly initial?: Buffer;
}

/**
 * Bytes pulled from a stream on demand: {@link fill} waits until enough are buffered (resuming the
 * stream) or fails when the stream errors or ends; {@link release} detaches and hands back what
 * was read but not taken, leaving the stream paused.
 */
export class PulledBytes {
  private buffered: Buffer;
  private readonly stream: Duplex;
  private readonly options: PulledBytesOptions;
  private waiter: (() => void) | undefined;
  private ended = false;
  private failure: Error | undefined;
  private readonly onData = (chunk: Buffer): void => {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    if (this.buffered.length > this.options.pauseAboveBytes) this.stream.pause();
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

  constructor(stream: Duplex, options: PulledBytesOptions) {
    this.stream = stream;
    this.options = options;
    this.buffered = options.initial ?? Buffer.alloc(0);
    stream.on('data', this.onData);
    stream.once('end', this.onEnd);
    stream.once('close', this.onEnd);
    stream.on('error', this.onError);
  }

  /** Waits until at least `count` bytes are buffered. */
  async fill(count: number): Promise<void> {
    while (this.buffered.length < count) {
      this.stream.resume();
      if (this.failure) throw this.options.streamError?.(this.failure) ?? this.failure;
      if (this.ended) throw new PgProtocolError(this.options.closedMessage);
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  /** The buffered bytes, without consuming them. */
  peek(): Buffer {
    return this.buffered;
  }

  /** Consumes and returns the next `count` buffered bytes (a view; call {@link fill} first). */
  take(count: number): Buffer {
    const taken = this.buffered.subarray(0, count);
    this.buffered = this.buffered.subarray(count);
    return taken;
  }

  /** Stops reading; returns the bytes read but not taken. The stream is left paused. */
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

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}
