/**
 * The recording events of one SSH PAM session (SSH-CONTRACT.md "Recording events", reference
 * §8.4 SSH shape plus Burrow's additions):
 *
 *   {"timestamp": ISO, "eventType": …, "channelType": "terminal"|"exec"|"sftp",
 *    "channelId": n, "elapsedTime": seconds since the session's first connection, + per type:}
 *   input    data (base64: bytes sent to the target)
 *   output   data (base64: bytes the person's terminal was sent, target's or the gateway's own),
 *            stream "stderr" for the extended data stream
 *   pty      term, cols, rows               resize   cols, rows
 *   shell    –                              exec     command
 *   sftp     operation (open|read|write|remove|rename|mkdir|rmdir|opendir|stat…), path, bytes?,
 *            newPath? (rename), direction? ("upload"|"download")
 *   blocked  command, pattern               signal   signal
 *   exit     exitCode | signal              notice   message (a refusal the gateway told the person)
 *
 * session-log-masking is applied to data, command, path and message before the event leaves this
 * file. Each `record` resolves once the event is on disk (fail closed: the caller withholds the
 * bytes the event describes when it rejects).
 *
 * Masking across events: a secret typed key by key, or output split across reads, arrives in
 * pieces no pattern matches alone. With masking patterns, each data stream (input, stdout,
 * stderr) is therefore recorded a line at a time: bytes after the last CR/LF are carried to the
 * next chunk (at most MAX_CARRY_BYTES), and `flush` records what is carried when the channel
 * exits or ends. The bytes themselves are passed on at once; only their recording waits for the
 * end of the line, so a match must lie within one line, and a gateway killed mid-line loses the
 * unfinished line from the recording. Without masking patterns every chunk is recorded as is.
 */
import { maskBytes, maskText, type SshPolicy } from './ssh-policy-rules.ts';

export type SshChannelType = 'terminal' | 'exec' | 'sftp';

export interface SshEventSink {
  record(event: object): Promise<void>;
  /** Seconds since the session's first connection. */
  elapsedSeconds(): number;
}

/** Longest unfinished line carried for masking; a longer one is recorded (masked) as it is. */
const MAX_CARRY_BYTES = 64 * 1024;

type DataStream = 'input' | 'stdout' | 'stderr';

export class SshChannelRecorder {
  private readonly sink: SshEventSink;
  private readonly policy: SshPolicy;
  readonly channelId: number;
  channelType: SshChannelType;
  /** Per data stream, the bytes after its last line end, not yet recorded. */
  private readonly carried = new Map<DataStream, { chunks: Buffer[]; length: number }>();

  constructor(sink: SshEventSink, policy: SshPolicy, channelId: number, type: SshChannelType) {
    this.sink = sink;
    this.policy = policy;
    this.channelId = channelId;
    this.channelType = type;
  }

  input(data: Buffer): Promise<void> {
    return this.data('input', data);
  }

  output(data: Buffer, stream: 'stdout' | 'stderr' = 'stdout'): Promise<void> {
    return this.data(stream, data);
  }

  /** Records the carried unfinished lines (before the channel's exit, or when it ends). */
  flush(): Promise<void> {
    const writes: Promise<void>[] = [];
    for (const [stream, { chunks }] of this.carried) {
      writes.push(this.writeData(stream, Buffer.concat(chunks)));
    }
    this.carried.clear();
    return Promise.all(writes).then(() => undefined);
  }

  event(eventType: string, fields: Record<string, unknown> = {}): Promise<void> {
    const masked: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(fields)) {
      masked[key] =
        typeof value === 'string' && MASKED_FIELDS.has(key)
          ? maskText(value, this.policy.masking)
          : value;
    }
    return this.write(eventType, masked);
  }

  /**
   * Records `data` up to its last line end together with what was carried before it; the rest is
   * carried. The carry is updated before any await, so concurrent callers keep the byte order.
   */
  private data(stream: DataStream, data: Buffer): Promise<void> {
    if (this.policy.masking.length === 0) return this.writeData(stream, data);
    const carry = this.carried.get(stream) ?? { chunks: [], length: 0 };
    const lineEnd = Math.max(data.lastIndexOf(0x0a), data.lastIndexOf(0x0d));
    if (lineEnd < 0 && carry.length + data.length <= MAX_CARRY_BYTES) {
      // A copy: the SSH library may reuse the memory of a chunk once it has been handled.
      carry.chunks.push(Buffer.from(data));
      carry.length += data.length;
      this.carried.set(stream, carry);
      return Promise.resolve();
    }
    // A line longer than the carry's bound is recorded whole, as far as it came.
    const cut = lineEnd < 0 ? data.length : lineEnd + 1;
    const complete = Buffer.concat([...carry.chunks, data.subarray(0, cut)]);
    const rest = Buffer.from(data.subarray(cut));
    if (rest.length > 0) this.carried.set(stream, { chunks: [rest], length: rest.length });
    else this.carried.delete(stream);
    return this.writeData(stream, complete);
  }

  private writeData(stream: DataStream, bytes: Buffer): Promise<void> {
    const data = maskBytes(bytes, this.policy.masking).toString('base64');
    if (stream === 'input') return this.write('input', { data });
    return this.write('output', { data, ...(stream === 'stderr' ? { stream } : {}) });
  }

  private write(eventType: string, fields: Record<string, unknown>): Promise<void> {
    return this.sink.record({
      timestamp: new Date().toISOString(),
      eventType,
      channelType: this.channelType,
      channelId: this.channelId,
      elapsedTime: Math.round(this.sink.elapsedSeconds() * 1000) / 1000,
      ...fields,
    });
  }
}

/** Free-text fields that may carry what masking is meant to hide. */
const MASKED_FIELDS = new Set(['command', 'path', 'newPath', 'message']);
