/**
 * `burrow-gateway recordings list` and `recordings export` as an operator runs them: the real
 * process (src/main.ts with type stripping), recordings written by @burrow/session-recorder, and
 * a fake control plane (@burrow/test-support's) that logs the gateway in and serves its PAM session key.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  offsetFilePath,
  openSessionRecording,
  writeAcknowledgedCount,
} from '@burrow/session-recorder';
import { routes } from '@burrow/platform-api';
import { fakeAnswer, fakeRoute, startFakeControlPlane } from '@burrow/test-support';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

/** An environment without any of the gateway's settings. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(INFISICAL_|BURROW_|TOKEN$)/.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs burrow-gateway without blocking this process (the fake control plane lives here). */
function run(args: string[], env: NodeJS.ProcessEnv = cleanEnv()): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--no-warnings', MAIN, ...args], {
      env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The control plane: universal-auth login and the gateway's PAM session key. */
interface FakeControlPlane {
  url: string;
  key: Buffer;
  /** Every request line, e.g. "GET /api/v2/gateways/pam-session-key". */
  readonly requests: string[];
  close(): Promise<void>;
}

async function startControlPlane(key: Buffer): Promise<FakeControlPlane> {
  const fake = await startFakeControlPlane(
    [
      fakeRoute(routes.universalAuthLogin, ({ body }) => {
        const { clientId, clientSecret } = body as { clientId: string; clientSecret: string };
        return clientId === 'gw-client' && clientSecret === 'gw-secret'
          ? {
              accessToken: 'ua-token',
              expiresIn: 3600,
              accessTokenMaxTTL: 0,
              tokenType: 'Bearer' as const,
            }
          : fakeAnswer(401, { message: 'invalid client credentials' });
      }),
      fakeRoute(routes.gatewayPamSessionKey, () => key),
    ],
    { tokens: ['gateway-token', 'ua-token'] },
  );
  return {
    url: fake.apiUrl.replace(/\/api$/, ''),
    key,
    get requests() {
      return fake.requests.map(({ method, path }) => `${method} ${path}`);
    },
    close: () => fake.close(),
  };
}

/** The note for a format-2 recording that is not sealed and not marked ended. */
function noSealYet(file: string, events: number): string {
  return `burrow-gateway: note: ${file} has no seal yet: the session is still open or the gateway stopped before ending it (records removed from its end would look the same); ${events} events verified\n`;
}

const EVENTS = [
  { timestamp: '2030-01-01T00:00:00.000Z', input: 'SELECT 1', output: 'SELECT 1' },
  {
    timestamp: '2030-01-01T00:00:01.000Z',
    input: "SELECT *\nFROM orders\nWHERE id = '42'",
    output: 'SELECT 1',
  },
  { timestamp: '2030-01-01T00:00:02.000Z', input: 'DROP TABLE nope', output: 'ERROR: no' },
];

describe('burrow-gateway recordings', () => {
  let dir: string;
  let controlPlane: FakeControlPlane;
  let activeFile: string;
  let endedFile: string;
  const expiresAt = new Date('2099-01-01T00:00:00.000Z');

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'burrow-gateway-recordings-'));
    controlPlane = await startControlPlane(randomBytes(32));
    const active = await openSessionRecording({
      dir,
      sessionId: 'sess-active',
      resourceType: 'postgres',
      expiresAt,
      key: controlPlane.key,
    });
    for (const event of EVENTS) await active.append(event);
    await active.close();
    await writeAcknowledgedCount(offsetFilePath(active.path), 2);
    activeFile = active.path;

    const ended = await openSessionRecording({
      dir,
      sessionId: 'sess-ended',
      resourceType: 'postgres',
      expiresAt: new Date('2000-01-01T00:00:00.000Z'),
      key: controlPlane.key,
    });
    await ended.append(EVENTS[0]);
    await ended.markEnded();
    await ended.close();
    endedFile = ended.path;
  });

  afterAll(async () => {
    await controlPlane.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('list: session, type, expiry, events stored and acknowledged, ended marker (no login)', async () => {
    const result = await run(
      ['recordings', 'list'],
      cleanEnv({
        INFISICAL_PAM_SESSION_RECORDING_PATH: dir,
      }),
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SESSION\s+TYPE\s+EXPIRES\s+STORED\s+ACKED\s+ENDED\s+FILE$/);
    // Sorted by expiry: the ended, long-expired session first.
    expect(lines[1]?.split(/\s+/)).toEqual([
      'sess-ended',
      'postgres',
      '2000-01-01T00:00:00.000Z',
      '(passed)',
      '1',
      '0',
      'yes',
      endedFile,
    ]);
    expect(lines[2]?.split(/\s+/)).toEqual([
      'sess-active',
      'postgres',
      '2099-01-01T00:00:00.000Z',
      '3',
      '2',
      'no',
      activeFile,
    ]);
    expect(lines).toHaveLength(3);
    expect(controlPlane.requests).toEqual([]);
  });

  it('export <sessionId>: JSON lines with the token of start, key never printed', async () => {
    const result = await run([
      'recordings',
      'export',
      'sess-active',
      '--pam-session-recording-path',
      dir,
      '--domain',
      controlPlane.url,
      '--token',
      'gateway-token',
    ]);
    expect(result.stderr).toBe(noSealYet(activeFile, 3));
    expect(result.status).toBe(0);
    expect(
      result.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual(EVENTS);
    for (const encoding of ['hex', 'base64', 'base64url'] as const) {
      expect(result.stdout + result.stderr).not.toContain(controlPlane.key.toString(encoding));
    }
    expect(controlPlane.requests).toContain('GET /api/v2/gateways/pam-session-key');
  });

  it('export <file> --format text: readable replay; universal auth from the environment', async () => {
    const result = await run(
      ['recordings', 'export', activeFile, '--format', 'text'],
      cleanEnv({
        INFISICAL_API_URL: controlPlane.url,
        INFISICAL_UNIVERSAL_AUTH_CLIENT_ID: 'gw-client',
        INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET: 'gw-secret',
      }),
    );
    expect(result.stderr).toBe(noSealYet(activeFile, 3));
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      [
        '[1] 2030-01-01T00:00:00.000Z',
        '    SELECT 1',
        '    => SELECT 1',
        '[2] 2030-01-01T00:00:01.000Z',
        '    SELECT *',
        '    FROM orders',
        "    WHERE id = '42'",
        '    => SELECT 1',
        '[3] 2030-01-01T00:00:02.000Z',
        '    DROP TABLE nope',
        '    => ERROR: no',
        '',
      ].join('\n'),
    );
    expect(controlPlane.requests).toContain('POST /api/v1/auth/universal-auth/login');
  });

  it('export --format text shows control characters and escape sequences escaped; jsonl stays exact', async () => {
    const hostile = {
      timestamp: '2030-01-01T00:00:03.000Z',
      input: "SELECT 'harmless';\x1b[2K\rDROP TABLE audit; -- \u202e\u009b31m",
      output: 'DROP TABLE\n[9] 2030-01-01T00:00:09.000Z',
    };
    const recording = await openSessionRecording({
      dir: path.join(dir, 'hostile'),
      sessionId: 'sess-hostile',
      resourceType: 'postgres',
      expiresAt,
      key: controlPlane.key,
    });
    await recording.append(hostile);
    await recording.close();
    const env = cleanEnv({
      INFISICAL_API_URL: controlPlane.url,
      INFISICAL_UNIVERSAL_AUTH_CLIENT_ID: 'gw-client',
      INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET: 'gw-secret',
    });
    const text = await run(['recordings', 'export', recording.path, '--format', 'text'], env);
    expect(text.status).toBe(0);
    expect(text.stdout).toBe(
      [
        '[1] 2030-01-01T00:00:03.000Z',
        "    SELECT 'harmless';\\x1b[2K\\rDROP TABLE audit; -- \\u202e\\u009b31m",
        '    => DROP TABLE',
        '       [9] 2030-01-01T00:00:09.000Z',
        '',
      ].join('\n'),
    );
    // eslint-disable-next-line no-control-regex
    expect(text.stdout).not.toMatch(/[\x1b\r\u202e\u009b]/);
    const jsonl = await run(['recordings', 'export', recording.path], env);
    expect(jsonl.status).toBe(0);
    expect(JSON.parse(jsonl.stdout.trim())).toEqual(hostile);
  });

  it('a torn tail is exported up to the last complete event and reported on stderr', async () => {
    const torn = path.join(dir, 'torn', path.basename(activeFile));
    await mkdir(path.dirname(torn));
    await writeFile(torn, await readFile(activeFile));
    const size = (await readFile(torn)).length;
    await appendFile(torn, Buffer.from([0, 0, 0, 40, 1, 2, 3]));
    const result = await run([
      'recordings',
      'export',
      torn,
      '--domain',
      controlPlane.url,
      '--token',
      'gateway-token',
    ]);
    expect(result.status).toBe(0);
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(3);
    expect(result.stderr).toBe(
      `burrow-gateway: warning: ${torn} ends with 7 bytes of an incomplete record at byte ${size} (a write cut short by a crash, or one under way); exported the 3 complete events before it\n` +
        noSealYet(torn, 3),
    );

    const list = await run([
      'recordings',
      'list',
      '--pam-session-recording-path',
      path.dirname(torn),
    ]);
    expect(list.status).toBe(0);
    expect(list.stdout).toContain(
      `${torn}: ends with 7 bytes of an incomplete record (a write cut short by a crash, or one under way); not counted`,
    );
  });

  it('a tampered record: one line on stderr, nothing on stdout, exit 1', async () => {
    const tampered = path.join(dir, 'tampered', path.basename(activeFile));
    await mkdir(path.dirname(tampered));
    const bytes = await readFile(activeFile);
    const second = 4 + bytes.readUInt32BE(0);
    bytes[second + 20] = (bytes[second + 20] as number) ^ 0x01;
    await writeFile(tampered, bytes);
    const result = await run([
      'recordings',
      'export',
      tampered,
      '--domain',
      controlPlane.url,
      '--token',
      'gateway-token',
    ]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `burrow-gateway: ${tampered}: recording record 1 (byte ${second}) failed authentication: it does not follow record 0 of session sess-active: records before it were removed or reordered, it was changed, or it comes from another recording\n`,
    );
  });

  it('a deleted record is named; records cut off the end of an ended recording are reported', async () => {
    const env = cleanEnv({ INFISICAL_API_URL: controlPlane.url, INFISICAL_TOKEN: 'gateway-token' });
    const bytes = await readFile(activeFile);
    const second = 4 + bytes.readUInt32BE(0);
    const third = second + 4 + bytes.readUInt32BE(second);
    const deleted = path.join(dir, 'deleted', path.basename(activeFile));
    await mkdir(path.dirname(deleted));
    await writeFile(deleted, Buffer.concat([bytes.subarray(0, second), bytes.subarray(third)]));
    const result = await run(['recordings', 'export', deleted], env);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      `${deleted}: recording record 1 (byte ${second}) failed authentication: it does not follow record 0 of session sess-active`,
    );

    // The ended recording holds one event and its seal; drop the seal, keep the .ended marker.
    const ended = await readFile(endedFile);
    const cut = path.join(dir, 'cut', path.basename(endedFile));
    await mkdir(path.dirname(cut));
    await writeFile(cut, ended.subarray(0, 4 + ended.readUInt32BE(0)));
    await writeFile(cut.replace(/\.enc$/, '.ended'), '');
    const truncated = await run(['recordings', 'export', cut], env);
    expect(truncated.status).toBe(0);
    expect(truncated.stderr).toBe(
      `burrow-gateway: warning: ${cut} is marked ended but has no seal after its 1 events: records were removed from its end\n`,
    );
    const intact = await run(['recordings', 'export', endedFile], env);
    expect(intact.stderr).toBe('');
    expect(intact.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('a refused login or an unknown session: one line, exit 1; a bad setting: exit 2', async () => {
    const refused = await run([
      'recordings',
      'export',
      'sess-active',
      '--pam-session-recording-path',
      dir,
      '--domain',
      controlPlane.url,
      '--token',
      'stolen-token',
    ]);
    expect(refused.status).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(
      "burrow-gateway: cannot fetch the gateway's PAM session key: GET /v2/gateways/pam-session-key answered 401: access token is not valid\n",
    );

    const unknown = await run([
      'recordings',
      'export',
      'sess-nope',
      '--pam-session-recording-path',
      dir,
      '--domain',
      controlPlane.url,
      '--token',
      'gateway-token',
    ]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toBe(
      `burrow-gateway: no recording of session sess-nope in ${dir} (see burrow-gateway recordings list)\n`,
    );

    const noDomain = await run(['recordings', 'export', 'sess-active', '--token', 'x']);
    expect(noDomain.status).toBe(2);
    expect(noDomain.stderr).toMatch(/^burrow-gateway: --domain \(INFISICAL_API_URL\): is required/);

    const badFormat = await run(['recordings', 'export', 'sess-active', '--format', 'csv']);
    expect(badFormat.status).toBe(2);
    expect(badFormat.stderr).toMatch(/argument 'csv' is invalid/);
  });
});
