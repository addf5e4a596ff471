import { describe, expect, it } from '@jest/globals';
import { CliError } from '../src/cli-error.ts';
import { formatSessionDetails, formatSessionEventsJsonLines } from '../src/output-format.ts';
import { exportPamSession } from '../src/pam-sessions-command.ts';
import { ControlPlaneError, type ControlPlane } from '../src/control-plane.ts';
import type { PamSessionRecord } from '../src/output-format.ts';

const EVENTS = [
  { timestamp: '2026-01-01T10:00:00.000Z', input: 'SELECT 1', output: 'SELECT 1' },
  {
    timestamp: '2026-01-01T10:00:01.000Z',
    input: 'SELECT *\nFROM orders WHERE note = \'a "b"\'',
    output: 'ERROR: relation "orders" does not exist',
  },
];

/** A control plane that answers GET /v1/pam/sessions/:id with `session`, or throws `error`. */
function platformWith(answer: { session?: PamSessionRecord; error?: Error }): {
  platform: ControlPlane;
  paths: string[];
} {
  const paths: string[] = [];
  const platform = {
    call: async (
      route: { method: string; path: string },
      input: { params: Record<string, string> },
    ) => {
      const path = route.path
        .replace(/^\/api/, '')
        .replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(input.params[name] ?? ''));
      paths.push(`${route.method} ${path}`);
      if (answer.error) throw answer.error;
      return { session: answer.session };
    },
  } as unknown as ControlPlane;
  return { platform, paths };
}

describe('formatSessionEventsJsonLines', () => {
  it('one complete JSON value per line, newlines inside values escaped', () => {
    const text = formatSessionEventsJsonLines(EVENTS);
    const lines = text.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.map((line) => JSON.parse(line))).toEqual(EVENTS);
    expect(lines[0]).toBe(
      '{"timestamp":"2026-01-01T10:00:00.000Z","input":"SELECT 1","output":"SELECT 1"}',
    );
  });

  it('no events: empty output', () => {
    expect(formatSessionEventsJsonLines([])).toBe('');
  });
});

describe('exportPamSession', () => {
  it("prints the session's events from the control plane as JSON lines", async () => {
    const { platform, paths } = platformWith({
      session: { id: 's/1', status: 'ended', events: EVENTS },
    });
    const { lines, problems } = await exportPamSession(platform, 's/1');
    expect(lines.split('\n').map((line) => JSON.parse(line))).toEqual(EVENTS);
    expect(problems).toEqual([]);
    expect(paths).toEqual(['GET /v1/pam/sessions/s%2F1']);
  });

  it('what the control plane knows missing comes back beside the exact JSON lines', async () => {
    const { platform } = platformWith({
      session: {
        id: 's1',
        status: 'ended',
        events: EVENTS,
        recordingProblems: ['chunk 3 is missing: …'],
      },
    });
    const { lines, problems } = await exportPamSession(platform, 's1');
    expect(lines).toBe(formatSessionEventsJsonLines(EVENTS));
    expect(problems).toEqual(['chunk 3 is missing: …']);
  });

  it('an SSH session as asciicast v2 (header from its pty, output in order) and as its command log', async () => {
    const b64 = (text: string): string => Buffer.from(text).toString('base64');
    const at = (s: number) => ({
      timestamp: new Date(Date.UTC(2026, 0, 1, 10) + s * 1000).toISOString(),
      channelType: 'terminal',
      channelId: 0,
      elapsedTime: s,
    });
    const events = [
      { ...at(0), eventType: 'pty', term: 'xterm', cols: 90, rows: 20 },
      { ...at(1), eventType: 'input', data: b64('ls\r') },
      { ...at(1.5), eventType: 'output', data: b64('ls\r\nfile\r\n') },
      { ...at(2), eventType: 'exit', exitCode: 0 },
    ];
    const { platform } = platformWith({ session: { id: 's2', status: 'ended', events } });
    const cast = (await exportPamSession(platform, 's2', 'asciicast')).lines.split('\n');
    expect(JSON.parse(cast[0] as string)).toMatchObject({
      version: 2,
      width: 90,
      height: 20,
      title: 'Burrow PAM session s2',
    });
    expect(cast.slice(1).map((line) => JSON.parse(line) as unknown)).toEqual([
      [1, 'i', 'ls\r'],
      [1.5, 'o', 'ls\r\nfile\r\n'],
    ]);
    expect((await exportPamSession(platform, 's2', 'commands')).lines).toBe(
      '2026-01-01T10:00:01.000Z [terminal#0] $ ls\n2026-01-01T10:00:02.000Z [terminal#0] exit 0',
    );
  });

  it('an unknown session is a one-line CliError', async () => {
    const { platform } = platformWith({
      error: new ControlPlaneError('not found', { status: 404 }),
    });
    const error = await exportPamSession(platform, 'nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toBe('PAM session nope not found');
  });
});

describe('terminal (SSH) sessions', () => {
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  const SSH_EVENTS = [
    {
      timestamp: '2026-01-01T10:00:00.000Z',
      eventType: 'exec',
      channelType: 'exec',
      channelId: 0,
      command: 'echo hi',
      elapsedTime: 0,
    },
    {
      timestamp: '2026-01-01T10:00:00.100Z',
      eventType: 'output',
      channelType: 'exec',
      channelId: 0,
      data: b64('hi\n'),
      elapsedTime: 0.1,
    },
    {
      timestamp: '2026-01-01T10:00:00.200Z',
      eventType: 'exit',
      channelType: 'exec',
      channelId: 0,
      exitCode: 0,
      elapsedTime: 0.2,
    },
  ];
  const session: PamSessionRecord = {
    id: 's-2',
    status: 'ended',
    accountPath: 'ops/web-1',
    resourceType: 'ssh',
    events: SSH_EVENTS,
  };

  it('asciicast v2 that starts with the header and carries the output', async () => {
    const { platform } = platformWith({ session });
    const { lines } = await exportPamSession(platform, 's-2', 'asciicast');
    const [header, ...frames] = lines.split('\n').map((line) => JSON.parse(line) as unknown);
    expect(header).toMatchObject({
      version: 2,
      width: 80,
      height: 24,
      title: 'Burrow PAM session s-2',
    });
    expect(frames).toEqual([[0.1, 'o', 'hi\n']]);
  });

  it('the command log', async () => {
    const { platform } = platformWith({ session });
    const { lines } = await exportPamSession(platform, 's-2', 'commands');
    expect(lines).toBe(
      '2026-01-01T10:00:00.000Z [exec#0] exec echo hi\n2026-01-01T10:00:00.200Z [exec#0] exit 0',
    );
  });

  it('sessions show prints the command log and how to replay the terminal', () => {
    const text = formatSessionDetails(session);
    expect(text).toContain('Account  ops/web-1 (ssh)');
    expect(text).toContain('2026-01-01T10:00:00.000Z [exec#0] exec echo hi');
    expect(text).toContain('2026-01-01T10:00:00.200Z [exec#0] exit 0');
    expect(text).toContain('burrow pam sessions export s-2 --format asciicast | asciinema cat -');
  });
});
