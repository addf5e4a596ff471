/** The gateway's logger (the real setup from @burrow/observability) whose lines tests can read back. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@burrow/observability';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface CapturedLogger {
  logger: Logger;
  lines: LogLine[];
  /** The lines as written (JSON.parse hides repeated keys; these show them). */
  raw: string[];
  /** Resolves with the first line (already logged or future) whose msg matches. */
  waitFor(match: string | RegExp, timeoutMs?: number): Promise<LogLine>;
}

export function captureLogs(level = 'debug'): CapturedLogger {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const waiters: { test: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (text.trim() === '') continue;
        raw.push(text);
        const line = JSON.parse(text) as LogLine;
        lines.push(line);
        for (const waiter of [...waiters]) {
          if (waiter.test(line)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(line);
          }
        }
      }
      callback();
    },
  });
  const logger = createLogger({ name: 'burrow-gateway', level, destination });
  const matches = (match: string | RegExp) => (line: LogLine) =>
    typeof match === 'string' ? line.msg === match : match.test(line.msg);
  return {
    logger,
    lines,
    raw,
    waitFor(match, timeoutMs = 5_000) {
      const test = matches(match);
      const found = lines.find(test);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(
            new Error(
              `no log line ${String(match)} within ${timeoutMs} ms; got: ${lines.map((l) => l.msg).join(' | ')}`,
            ),
          );
        }, timeoutMs);
        const waiter = {
          test,
          resolve: (line: LogLine) => {
            clearTimeout(timer);
            resolve(line);
          },
        };
        waiters.push(waiter);
      });
    },
  };
}
