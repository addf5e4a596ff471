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
 */
import { maskBytes, maskText, type SshPolicy } from './ssh-policy-rules.ts';

export type SshChannelType = 'terminal' | 'exec' | 'sftp';

export interface SshEventSink {
  record(event: object): Promise<void>;
  /** Seconds since the session's first connection. */
  elapsedSeconds(): number;
}

export class SshChannelRecorder {
  private readonly sink: SshEventSink;
  private readonly policy: SshPolicy;
  readonly channelId: number;
  channelType: SshChannelType;

  constructor(sink: SshEventSink, policy: SshPolicy, channelId: number, type: SshChannelType) {
    this.sink = sink;
    this.policy = policy;
    this.channelId = channelId;
    this.channelType = type;
  }

  input(data: Buffer): Promise<void> {
    return this.write('input', { data: maskBytes(data, this.policy.masking).toString('base64') });
  }

  output(data: Buffer, stream: 'stdout' | 'stderr' = 'stdout'): Promise<void> {
    return this.write('output', {
      data: maskBytes(data, this.policy.masking).toString('base64'),
      ...(stream === 'stderr' ? { stream } : {}),
    });
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
