import { formatHttpEvent, isHttpEvent } from './http-event-text.ts';
import { terminalSafeText } from './terminal-safe-text.ts';

/**
 * One recorded event for a person to read — the one text shape of `burrow pam sessions show` and
 * `burrow-gateway recordings export --format text`: `[n] timestamp`, the input (query text,
 * indented, multi-line kept), `=> output`. An event that is not a database event is shown as its
 * JSON. Every recorded string goes through {@link terminalSafeText} first.
 *
 * @example
 *   formatRecordedEvent({ timestamp: '2030-01-01T00:00:00.000Z', input: 'SELECT 1', output: 'SELECT 1' }, 1)
 *   // [1] 2030-01-01T00:00:00.000Z
 *   //     SELECT 1
 *   //     => SELECT 1
 */
export function formatRecordedEvent(event: unknown, number: number): string {
  if (isHttpEvent(event)) return formatHttpEvent(event, number);
  const indent = '    ';
  const fields = (event ?? {}) as { timestamp?: unknown; input?: unknown; output?: unknown };
  if (typeof event !== 'object' || event === null || typeof fields.timestamp !== 'string') {
    return `[${number}]\n${indent}${terminalSafeText(JSON.stringify(event) ?? String(event))}`;
  }
  const input = terminalSafeText(String(fields.input ?? ''))
    .split('\n')
    .map((line) => `${indent}${line}`)
    .join('\n');
  const output = terminalSafeText(String(fields.output ?? '')).replace(/\n/g, `\n${indent}   `);
  return `[${number}] ${terminalSafeText(fields.timestamp)}\n${input}\n${indent}=> ${output}`;
}
