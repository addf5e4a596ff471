import { describe, expect, it } from '@jest/globals';
import {
  formatAccessReady,
  formatAccountList,
  formatGatewayList,
  formatPsqlCommand,
  formatSessionDetails,
  formatSessionEventsJsonLines,
  formatSessionList,
  formatSshCommands,
  type PamSessionRecord,
} from '../src/output-format.ts';

describe('formatPsqlCommand', () => {
  it('prints a ready-to-paste libpq connection string without a password', () => {
    expect(
      formatPsqlCommand({ host: '127.0.0.1', port: 54321, username: 'app', database: 'orders' }),
    ).toBe('psql "host=127.0.0.1 port=54321 user=app dbname=orders sslmode=disable"');
  });

  it('quotes values with spaces or quotes', () => {
    expect(
      formatPsqlCommand({ host: '127.0.0.1', port: 5, username: "o'brien", database: 'my db' }),
    ).toBe(`psql "host=127.0.0.1 port=5 user='o\\'brien' dbname='my db' sslmode=disable"`);
  });
});

describe('formatAccessReady', () => {
  it('names the session, the port, the expiry and the psql line', () => {
    const text = formatAccessReady({
      path: 'prod/orders-db',
      sessionId: 'sess-1',
      resourceType: 'postgres',
      hint: { host: '127.0.0.1', port: 40000, username: 'app', database: 'orders' },
      expiresAt: new Date('2030-01-01T01:00:00.000Z'),
      now: new Date('2030-01-01T00:00:00.000Z'),
    });
    expect(text).toContain('PAM session sess-1 for prod/orders-db (postgres)');
    expect(text).toContain('expires 2030-01-01T01:00:00.000Z (in 1h)');
    expect(text).toContain(
      '  psql "host=127.0.0.1 port=40000 user=app dbname=orders sslmode=disable"',
    );
    expect(text).toContain(
      '  (the gateway logs in as app to database orders whatever user= and dbname= the client sends)',
    );
    expect(text).toContain('Ctrl-C ends it');
  });
});

describe('ssh sessions', () => {
  it('prints ssh, scp and sftp with the port, the pinned known_hosts file and strict host-key checking', () => {
    const text = formatAccessReady({
      path: 'ops/web-1',
      sessionId: 'sess-2',
      resourceType: 'ssh',
      hint: { host: '127.0.0.1', port: 41235, username: 'deploy' },
      expiresAt: new Date('2030-01-01T01:00:00.000Z'),
      knownHostsFile: '/tmp/burrow-ssh-abc/known_hosts',
      now: new Date('2030-01-01T00:00:00.000Z'),
    });
    const pinned =
      '-o UserKnownHostsFile=/tmp/burrow-ssh-abc/known_hosts -o StrictHostKeyChecking=yes';
    expect(text).toContain('PAM session sess-2 for ops/web-1 (ssh)');
    expect(text).toContain(`  ssh -p 41235 ${pinned} deploy@127.0.0.1\n`);
    expect(text).toContain(
      `  scp -P 41235 ${pinned} <local file> deploy@127.0.0.1:<remote path>\n`,
    );
    expect(text).toContain(`  sftp -P 41235 ${pinned} deploy@127.0.0.1\n`);
    expect(text).toContain(
      'it logs in to the server as deploy whatever user name the client sends',
    );
    expect(text).not.toMatch(/password|StrictHostKeyChecking=no/i);
  });

  it('quotes a temp dir or user name a shell would split', () => {
    const { ssh } = formatSshCommands(
      { host: '127.0.0.1', port: 2, username: "o'brien" },
      '/tmp/my dir/known_hosts',
    );
    expect(ssh).toBe(
      `ssh -p 2 -o 'UserKnownHostsFile=/tmp/my dir/known_hosts' -o StrictHostKeyChecking=yes 'o'\\''brien'@127.0.0.1`,
    );
  });
});

describe('sessions', () => {
  const session: PamSessionRecord = {
    id: 'sess-1',
    accountPath: 'prod/orders-db',
    resourceType: 'postgres',
    status: 'ended',
    reason: 'incident 42',
    createdAt: '2030-01-01T00:00:00.000Z',
    endedAt: '2030-01-01T00:10:00.000Z',
    expiresAt: '2030-01-01T01:00:00.000Z',
    eventCount: 2,
  };

  it('lists sessions as a table', () => {
    const lines = formatSessionList([session]).split('\n');
    expect(lines[0]).toMatch(
      /^SESSION\s+ACCOUNT\s+TYPE\s+STATUS\s+STARTED\s+ENDED\s+EVENTS\s+REASON$/,
    );
    expect(lines[1]).toMatch(
      /^sess-1\s+prod\/orders-db\s+postgres\s+ended\s+.*\s+2\s+incident 42$/,
    );
    expect(formatSessionList([])).toBe('No PAM sessions.');
  });

  it('shows every event in order with timestamp, input and output', () => {
    const text = formatSessionDetails({
      ...session,
      events: [
        {
          timestamp: '2030-01-01T00:00:01.000Z',
          input: 'CREATE TABLE t (id int)',
          output: 'CREATE TABLE',
        },
        {
          timestamp: '2030-01-01T00:00:02.000Z',
          input: 'INSERT INTO t VALUES ($1)\n-- params: 42',
          output: 'INSERT 0 1',
        },
      ],
    });
    expect(text).toContain('Session  sess-1');
    expect(text).toContain('Events   2');
    expect(text).toContain(
      '[1] 2030-01-01T00:00:01.000Z\n    CREATE TABLE t (id int)\n    => CREATE TABLE',
    );
    expect(text).toContain(
      '[2] 2030-01-01T00:00:02.000Z\n    INSERT INTO t VALUES ($1)\n    -- params: 42\n    => INSERT 0 1',
    );
    expect(text.indexOf('[1]')).toBeLessThan(text.indexOf('[2]'));
  });

  it('shows control characters, escape sequences and bidi overrides escaped, everywhere', () => {
    const hostile = {
      ...session,
      reason: 'routine\x1b[1A\x1b[2K',
      accountPath: 'prod/\u202eorders',
      events: [
        {
          timestamp: '2030-01-01T00:00:01.000Z',
          input: 'SELECT 1;\x1b[2K\rDROP TABLE audit;\x07\x00 -- \u009b31m',
          output: 'SELECT 1\r\x1b]0;owned\x07',
        },
      ],
    };
    const details = formatSessionDetails(hostile);
    expect(details).toContain(
      '    SELECT 1;\\x1b[2K\\rDROP TABLE audit;\\x07\\x00 -- \\u009b31m\n    => SELECT 1\\r\\x1b]0;owned\\x07',
    );
    expect(details).toContain('Reason   routine\\x1b[1A\\x1b[2K');
    expect(details).toContain('Account  prod/\\u202eorders (postgres)');
    const list = formatSessionList([hostile]);
    // eslint-disable-next-line no-control-regex
    const unsafe = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;
    expect(details).not.toMatch(unsafe);
    expect(list).not.toMatch(unsafe);
    // The JSON export keeps the exact bytes.
    expect(JSON.parse(formatSessionEventsJsonLines(hostile.events))).toEqual(hostile.events[0]);
  });

  it('warns, in the header, what is known missing from the recording (neutralised)', () => {
    const text = formatSessionDetails({
      ...session,
      events: [],
      recordingProblems: ['chunk 3 is missing: \x1b[2Kgone'],
    });
    expect(text).toContain(
      'WARNING  the recording is incomplete: chunk 3 is missing: \\x1b[2Kgone',
    );
  });

  it('warns, in the header, when the gateway reported its recording shortened', () => {
    // The control plane's words for what the gateway's uploader reported (issue 14).
    const problems = [
      'the gateway recorded 3 events but 1 arrived: the last 2 are missing',
      'the gateway reported: its local recording failed verification, so the upload stops after ' +
        '1 event: recording record 1 (byte 190) failed authentication',
    ];
    const lines = formatSessionDetails({
      ...session,
      events: [{ timestamp: '2026-01-01T10:00:00.000Z', input: 'SELECT 1', output: 'SELECT 1' }],
      recordingProblems: problems,
    }).split('\n');
    const events = lines.indexOf('Events   1');
    expect(lines.slice(events + 1, events + 3)).toEqual(
      problems.map((problem) => `WARNING  the recording is incomplete: ${problem}`),
    );
    expect(lines[events + 3]).toBe('');
  });

  it('says so when nothing was recorded', () => {
    expect(formatSessionDetails({ ...session, events: [] })).toContain('No recorded events.');
  });
});

describe('formatGatewayList', () => {
  it('shows name, id, relay and health', () => {
    const text = formatGatewayList([
      { id: 'g1', name: 'gateway-a', relayName: 'relay-a', isHealthy: true, heartbeat: 'now' },
    ]);
    expect(text.split('\n')[1]).toMatch(/^gateway-a\s+g1\s+relay-a\s+yes\s+now$/);
  });
});

describe('formatAccountList', () => {
  it('lists path, type and user, sorted by path, never a password', () => {
    const text = formatAccountList([
      { path: 'prod/orders-db', resourceType: 'postgres', username: 'orders_app' },
      { path: 'dev/orders-db', resourceType: 'postgres', username: 'dev_app' },
    ]);
    expect(text.split('\n')).toEqual([
      'ACCOUNT         TYPE      USER',
      'dev/orders-db   postgres  dev_app',
      'prod/orders-db  postgres  orders_app',
    ]);
    expect(formatAccountList([])).toBe('No PAM accounts in your organization.');
  });
});
