/**
 * Exports of a terminal (SSH) session's recorded events (SSH-CONTRACT.md "Recording events"):
 *
 * asciicast v2 (https://docs.asciinema.org/manual/asciicast/v2/), what `asciinema play` and
 * `asciinema cat` read:
 *   line 1   {"version": 2, "width": <cols>, "height": <rows>, "timestamp": <unix seconds of the
 *            first event>, "title": …, "env": {"TERM": <term>}}     size and TERM of the first pty
 *   then     [<seconds>, "o", <text>]   output events of terminal and exec channels (stdout and
 *                                       stderr: both reach the person's terminal)
 *            [<seconds>, "i", <text>]   input events (what was sent to the target)
 *            [<seconds>, "r", "<cols>x<rows>"]   resize events
 *   seconds = the event's elapsedTime (the session's timeline), never decreasing. Bytes become
 *   text with one streaming UTF-8 decoder per channel and direction, so a character split
 *   between two events is not broken. sftp channels carry no terminal output and are left out.
 *
 * Command log (text): one line per exec, blocked command, typed command line (rebuilt from the
 * terminal's input: backspace and Ctrl-U applied, escape sequences dropped), sftp operation,
 * signal and exit, each `<timestamp> [<channelType>#<channelId>] <what>`, every recorded string
 * made terminal-safe.
 *
 * Both are pure functions of the events (no Node built-ins, so the web console bundles them): the CLI (`burrow pam sessions export --format
 * asciicast|commands`) and the gateway (`burrow-gateway recordings export`) use them.
 */
import { base64Bytes, base64Utf8 } from './base64-bytes.ts';
import { terminalSafeLine } from './terminal-safe-text.ts';

/** The fields of a terminal event this file reads (others are ignored). */
interface TerminalEvent {
  timestamp?: unknown;
  eventType?: unknown;
  channelType?: unknown;
  channelId?: unknown;
  elapsedTime?: unknown;
  data?: unknown;
  cols?: unknown;
  rows?: unknown;
  term?: unknown;
  command?: unknown;
  operation?: unknown;
  path?: unknown;
  newPath?: unknown;
  bytes?: unknown;
  direction?: unknown;
  exitCode?: unknown;
  signal?: unknown;
  message?: unknown;
}

const DEFAULT_COLS = 80;
const DEFAULT_ROWS = 24;

/** True when the events are a terminal (SSH) session's rather than a database session's. */
export function isTerminalRecording(events: readonly unknown[]): boolean {
  return events.some(
    (event) =>
      typeof event === 'object' &&
      event !== null &&
      typeof (event as TerminalEvent).eventType === 'string' &&
      typeof (event as TerminalEvent).channelType === 'string',
  );
}

/**
 * @example
 *   writeFileSync('session.cast', eventsToAsciicast(events, { title: 'PAM session 2b0c…' }));
 *   // asciinema play session.cast
 */
export function eventsToAsciicast(
  events: readonly unknown[],
  options: { title?: string } = {},
): string {
  const terminal = events.filter(
    (event): event is TerminalEvent =>
      typeof event === 'object' &&
      event !== null &&
      ((event as TerminalEvent).channelType === 'terminal' ||
        (event as TerminalEvent).channelType === 'exec'),
  );
  const pty = terminal.find((event) => event.eventType === 'pty');
  const first = terminal[0];
  const startMs = first ? Date.parse(String(first.timestamp)) : Number.NaN;
  const header: Record<string, unknown> = {
    version: 2,
    width: positive(pty?.cols) ?? DEFAULT_COLS,
    height: positive(pty?.rows) ?? DEFAULT_ROWS,
    ...(Number.isFinite(startMs) ? { timestamp: Math.floor(startMs / 1000) } : {}),
    ...(options.title !== undefined ? { title: options.title } : {}),
    env: { TERM: typeof pty?.term === 'string' ? pty.term : 'xterm', SHELL: '/bin/sh' },
  };
  const lines = [JSON.stringify(header)];
  const decoders = new Map<string, InstanceType<typeof TextDecoder>>();
  const decode = (key: string, data: unknown): string => {
    if (typeof data !== 'string') return '';
    let decoder = decoders.get(key);
    if (!decoder) {
      decoder = new TextDecoder('utf-8');
      decoders.set(key, decoder);
    }
    return decoder.decode(base64Bytes(data), { stream: true });
  };
  let last = 0;
  for (const event of terminal) {
    const time = secondsOf(event, startMs);
    last = Math.max(last, time);
    const at = Math.round(last * 1_000_000) / 1_000_000;
    const channel = `${String(event.channelType)}#${String(event.channelId)}`;
    if (event.eventType === 'output') {
      const text = decode(`${channel}:o`, event.data);
      if (text !== '') lines.push(JSON.stringify([at, 'o', text]));
    } else if (event.eventType === 'input') {
      const text = decode(`${channel}:i`, event.data);
      if (text !== '') lines.push(JSON.stringify([at, 'i', text]));
    } else if (event.eventType === 'resize') {
      const cols = positive(event.cols);
      const rows = positive(event.rows);
      if (cols !== undefined && rows !== undefined) {
        lines.push(JSON.stringify([at, 'r', `${cols}x${rows}`]));
      }
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * @example
 *   process.stdout.write(eventsToCommandLog(events));
 *   // 2030-01-01T00:00:01.000Z [terminal#0] $ ls -la
 *   // 2030-01-01T00:00:02.000Z [terminal#0] BLOCKED rm -rf / (policy ^rm -rf)
 */
export function eventsToCommandLog(events: readonly unknown[]): string {
  const lines: string[] = [];
  const typed = new Map<string, string>();
  for (const raw of events) {
    if (typeof raw !== 'object' || raw === null) continue;
    const event = raw as TerminalEvent;
    const channel = `${safe(event.channelType)}#${safe(event.channelId)}`;
    const line = (what: string): void => {
      lines.push(`${safe(event.timestamp)} [${channel}] ${what}`);
    };
    switch (event.eventType) {
      case 'input': {
        if (event.channelType !== 'terminal' || typeof event.data !== 'string') break;
        let current = typed.get(channel) ?? '';
        for (const ch of stripEscapes(base64Utf8(event.data))) {
          if (ch === '\r' || ch === '\n') {
            if (current.trim() !== '') line(`$ ${terminalSafeLine(current)}`);
            current = '';
          } else if (ch === '\x7f' || ch === '\b') {
            current = current.slice(0, -1);
          } else if (ch === '\x15' || ch === '\x03') {
            current = '';
          } else if (ch >= ' ' || ch === '\t') {
            current += ch;
          }
        }
        typed.set(channel, current);
        break;
      }
      case 'exec':
        line(`exec ${safe(event.command)}`);
        break;
      case 'blocked':
        line(`BLOCKED ${safe(event.command)}`);
        break;
      case 'sftp': {
        const parts = [`sftp ${safe(event.operation)}`];
        if (event.path !== undefined) parts.push(safe(event.path));
        if (event.newPath !== undefined) parts.push(`-> ${safe(event.newPath)}`);
        if (event.direction !== undefined) parts.push(`(${safe(event.direction)}`);
        if (typeof event.bytes === 'number') {
          parts.push(`${event.bytes} bytes${event.direction !== undefined ? ')' : ''}`);
        } else if (event.direction !== undefined) parts[parts.length - 1] += ')';
        line(parts.join(' '));
        break;
      }
      case 'signal':
        line(`signal ${safe(event.signal)}`);
        break;
      case 'exit':
        line(
          typeof event.exitCode === 'number'
            ? `exit ${event.exitCode}`
            : `exit by signal ${safe(event.signal)}`,
        );
        break;
      case 'notice':
        line(`notice ${safe(event.message)}`);
        break;
      default:
        break;
    }
  }
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

function secondsOf(event: TerminalEvent, startMs: number): number {
  if (typeof event.elapsedTime === 'number' && Number.isFinite(event.elapsedTime)) {
    return Math.max(0, event.elapsedTime);
  }
  const at = Date.parse(String(event.timestamp));
  return Number.isFinite(at) && Number.isFinite(startMs) ? Math.max(0, (at - startMs) / 1000) : 0;
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

function safe(value: unknown): string {
  return terminalSafeLine(typeof value === 'string' ? value : String(value ?? ''));
}

/** Drops CSI / SS3 escape sequences (arrow keys and the like) from typed input. */
function stripEscapes(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b(\[[0-9;?]*[ -/]*[@-~]|O.|.)/g, '');
}
