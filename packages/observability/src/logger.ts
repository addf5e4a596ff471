/**
 * The one logging setup of every Burrow process — relay, gateway, control plane (fastify's
 * `loggerInstance`) and the `burrow` CLI: pino, one JSON event per line.
 *
 * Every line is checked once more just before it is written, so that the rules hold for all of
 * it — child bindings, serializer output, error objects, the message — not only for fields a
 * redaction path happened to name:
 * 1. secrets are censored ({@link redactSecrets}: secret fields at any depth, private keys, JWTs
 *    and Bearer credentials anywhere);
 * 2. every key appears once. pino writes a child's bindings after its parent's and a call's
 *    fields after both, so a repeated key (`component` bound twice, a `name` field under the
 *    logger's `name`) used to appear twice in a line; the line keeps the last value, which is the
 *    one a JSON reader took anyway. Code should still not repeat keys: the first value is lost.
 *
 * Cost: one `JSON.parse` and `JSON.stringify` per written line (a few µs); lines below the level
 * cost nothing, and the hot paths log at debug.
 *
 * @example
 *   const logger = createLogger({ name: 'burrow-relay', level: 'info' });
 *   logger.child({ component: 'heartbeat' }).info({ relayName }, 'Relay heartbeat accepted');
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { redactSecrets } from './secret-redaction.ts';

export type { DestinationStream, Logger } from 'pino';

export interface LoggerSettings {
  /** Written as `name` on every line (e.g. `burrow-relay`); left out when undefined. */
  name?: string;
  /** pino level: fatal, error, warn, info, debug, trace or silent. */
  level: string;
  /** Where lines go: a stream, or a file descriptor (2 = stderr). Default: stdout. */
  destination?: DestinationStream | number;
}

export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    hooks: { streamWrite: cleanLine },
    ...(settings.name === undefined ? {} : { name: settings.name }),
  };
  const { destination } = settings;
  return pino(
    options,
    typeof destination === 'object' ? destination : outputDestination(destination ?? 1),
  );
}

/**
 * Writing stops waiting for a reader that takes nothing (a stalled or abandoned pipe) after this
 * long; lines written meanwhile are dropped until the reader takes bytes again. pino's default
 * waits forever, so a gateway whose stdout reader had gone ignored every later signal.
 */
export const STALLED_OUTPUT_GIVE_UP_MS = 2_000;

/** At most this much unwritten output is held for a slow reader; beyond it lines are dropped. */
const MAX_HELD_OUTPUT_BYTES = 16 * 1024 * 1024;

/**
 * A synchronous file-descriptor destination (as pino's default: every line is out before the
 * call returns) that gives up on a reader that stopped reading, instead of blocking the process.
 */
function outputDestination(fd: number): DestinationStream {
  let stalledSince: number | undefined;
  const destination = pino.destination({
    dest: fd,
    sync: true,
    maxLength: MAX_HELD_OUTPUT_BYTES,
    retryEAGAIN: () => {
      const now = Date.now();
      stalledSince ??= now;
      return now - stalledSince < STALLED_OUTPUT_GIVE_UP_MS;
    },
  });
  destination.on('write', () => (stalledSince = undefined));
  // A failed write (EAGAIN past the deadline, EPIPE) loses that line, never the process.
  destination.on('error', () => undefined);
  return destination;
}

/**
 * One serialised pino line (JSON and a newline) with secrets censored and each key once. A line
 * that is not JSON (pino never writes one) is replaced by a notice rather than written unchecked.
 */
export function cleanLine(line: string): string {
  let event: unknown;
  try {
    event = JSON.parse(line);
  } catch {
    return `${JSON.stringify({ msg: 'unparseable log line withheld', length: line.length })}\n`;
  }
  return `${JSON.stringify(redactSecrets(event))}\n`;
}
