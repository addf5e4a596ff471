/**
 * The terminal exports of an SSH session's events: asciicast v2 that Debian's asciinema prints
 * back byte for byte (split UTF-8 included, sftp left out), and the text command log.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import { asciinemaCat } from '@burrow/test-support';
import {
  eventsToAsciicast,
  eventsToCommandLog,
  isTerminalRecording,
} from '../src/terminal-recording-export.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'burrow-cast-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const b64 = (bytes: Buffer | string): string => Buffer.from(bytes).toString('base64');
let clock = 0;
function event(eventType: string, fields: Record<string, unknown> = {}, channelType = 'terminal') {
  clock += 0.25;
  return {
    timestamp: new Date(Date.UTC(2030, 0, 1) + clock * 1000).toISOString(),
    eventType,
    channelType,
    channelId: channelType === 'sftp' ? 1 : 0,
    elapsedTime: clock,
    ...fields,
  };
}

const euro = Buffer.from('€ 5\r\n');
const events = [
  event('pty', { term: 'xterm-256color', cols: 100, rows: 30 }),
  event('shell'),
  event('output', { data: b64('$ ') }),
  event('input', { data: b64('ls -xx\x7f\x7fla\r') }),
  event('output', { data: b64('ls -la\r\ntotal 0\r\n') }),
  event('output', { data: b64(euro.subarray(0, 1)) }), // the euro sign split across two events
  event('output', { data: b64(euro.subarray(1)) }),
  event('resize', { cols: 120, rows: 40 }),
  event('sftp', { operation: 'close', path: '/tmp/a', direction: 'upload', bytes: 12 }, 'sftp'),
  event('output', { data: b64('not terminal output') }, 'sftp'),
  event('blocked', { command: 'rm -rf /\x1b[2K', pattern: '^rm -rf' }),
  event('output', { data: b64('\x1b[31mred\x1b[0m\r\n'), stream: 'stderr' }),
  event('exit', { exitCode: 3 }),
];

test('asciicast v2: header from the first pty, output/input/resize in order; asciinema cat prints exactly the output', async () => {
  const cast = eventsToAsciicast(events, { title: 'PAM session s-1' });
  const [header, ...lines] = cast
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);
  expect(header).toEqual({
    version: 2,
    width: 100,
    height: 30,
    timestamp: Math.floor(Date.UTC(2030, 0, 1) / 1000),
    title: 'PAM session s-1',
    env: { TERM: 'xterm-256color', SHELL: '/bin/sh' },
  });
  expect(lines).toContainEqual([2, 'r', '120x40']);
  expect(lines.filter((line) => (line as unknown[])[1] === 'i')).toEqual([
    [1, 'i', 'ls -xx\x7f\x7fla\r'],
  ]);
  const file = path.join(dir, 'session.cast');
  writeFileSync(file, cast);
  expect(await asciinemaCat(file)).toBe('$ ls -la\r\ntotal 0\r\n€ 5\r\n\x1b[31mred\x1b[0m\r\n');
});

test('the command log rebuilds typed lines and lists blocked commands, sftp and exits, escaped', () => {
  expect(isTerminalRecording(events)).toBe(true);
  expect(isTerminalRecording([{ timestamp: 't', input: 'SELECT 1', output: 'SELECT 1' }])).toBe(
    false,
  );
  expect(eventsToCommandLog(events).split('\n')).toEqual([
    '2030-01-01T00:00:01.000Z [terminal#0] $ ls -la',
    '2030-01-01T00:00:02.250Z [sftp#1] sftp close /tmp/a (upload 12 bytes)',
    '2030-01-01T00:00:02.750Z [terminal#0] BLOCKED rm -rf /\\x1b[2K',
    '2030-01-01T00:00:03.250Z [terminal#0] exit 3',
    '',
  ]);
});
