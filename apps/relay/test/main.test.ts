/**
 * The shipped program, `dist/main.js` (built by `pnpm build`; turbo builds it before `test`), run
 * as a child process: help, refusal of bad configuration, start and a clean stop on SIGTERM.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { freePort, repeatedJsonKeys } from '@burrow/test-support';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { RELAY_SETTINGS } from '../src/relay-config.ts';
import type { StubControlPlane } from './stub-control-plane.ts';
import { REVOKED_TOKEN, startStubControlPlane } from './stub-control-plane.ts';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/**
 * Bounds for a child that never ends (a bug, not a slow machine): a loaded 2-core machine takes
 * seconds just to start node, so these are far above any run seen, and the tests wait on the
 * child's own events (a line, its exit) up to them.
 */
const CHILD_HANG_MS = 90_000;
jest.setTimeout(2 * CHILD_HANG_MS);

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [MAIN, ...args], {
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
    timeout: CHILD_HANG_MS,
  });
}

describe('burrow-relay', () => {
  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run pnpm build first`);
  });

  it('lists every flag with its environment variable in start --help', () => {
    const result = run(['start', '--help']);
    expect(result.status).toBe(0);
    const help = result.stdout.replace(/\s+/g, ' ');
    for (const setting of Object.values(RELAY_SETTINGS)) {
      expect(help).toContain(setting.flag);
      expect(help).toContain(setting.env);
    }
    expect(help).toContain('INFISICAL_DOMAIN');
    expect(help).toContain('INFISICAL_CUSTOM_HEADERS');
  });

  it('refuses bad configuration with exit code 2 and one line naming each bad setting', () => {
    const complete = {
      INFISICAL_RELAY_NAME: 'r1',
      INFISICAL_API_URL: 'http://cp',
      INFISICAL_TOKEN: 't',
    };
    const missingHost = run(['start'], complete);
    expect(missingHost.status).toBe(2);
    expect(missingHost.stderr).toBe(
      'burrow-relay start: --host (INFISICAL_RELAY_HOST): is required\n',
    );
    const nothingSet = run(['start']);
    expect(nothingSet.status).toBe(2);
    expect(nothingSet.stderr.trim().split('\n')).toEqual([
      'burrow-relay start: --host (INFISICAL_RELAY_HOST): is required',
      'burrow-relay start: --name (INFISICAL_RELAY_NAME): is required',
      expect.stringMatching(/^burrow-relay start: --domain \(INFISICAL_API_URL\): is required/),
      expect.stringMatching(/^burrow-relay start: universal auth needs a client ID/),
    ]);
    const badType = run(['start', '--type', 'edge', '--host', 'h'], complete);
    expect(badType.status).toBe(2);
    expect(badType.stderr.trim().split('\n')).toHaveLength(1);
    expect(badType.stderr).toContain('--type (INFISICAL_RELAY_TYPE)');
    const unknownFlag = run(['start', '--colour']);
    expect(unknownFlag.status).toBe(2);
  });

  it('INFISICAL_DOMAIN beats INFISICAL_API_URL, a typed --domain beats both (the reference’s order)', () => {
    const env = {
      INFISICAL_RELAY_NAME: 'r1',
      INFISICAL_API_URL: 'http://cp',
      INFISICAL_DOMAIN: 'not a url',
      INFISICAL_TOKEN: 't',
    };
    const fromDomainEnv = run(['start', '--host', 'h'], env);
    expect(fromDomainEnv.status).toBe(2);
    expect(fromDomainEnv.stderr).toBe(
      'burrow-relay start: INFISICAL_DOMAIN: "not a url" is not a URL (expected http(s)://host[:port])\n',
    );
    // With --domain typed, the bad INFISICAL_DOMAIN is not read: only the bad type is left.
    const typed = run(['start', '--host', 'h', '--domain', 'http://cp', '--type', 'edge'], env);
    expect(typed.status).toBe(2);
    expect(typed.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^burrow-relay start: --type \(INFISICAL_RELAY_TYPE\): "edge"/),
    ]);
  });

  it('refuses a malformed INFISICAL_CUSTOM_HEADERS naming the variable, never its values', () => {
    const result = run(['start', '--host', 'h'], {
      INFISICAL_RELAY_NAME: 'r1',
      INFISICAL_API_URL: 'http://cp',
      INFISICAL_TOKEN: 't',
      INFISICAL_CUSTOM_HEADERS: 'X-Org=acme CF-Access-Client-Secret="s3cr3t',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      "burrow-relay start: INFISICAL_CUSTOM_HEADERS: entry 2 (CF-Access-Client-Secret): its value's opening quote is never closed\n",
    );
    expect(result.stdout + result.stderr).not.toContain('s3cr3t');
  });

  describe('start', () => {
    let controlPlane: StubControlPlane;
    beforeAll(async () => {
      controlPlane = await startStubControlPlane('127.0.0.1');
    });
    afterAll(async () => {
      await controlPlane.close();
    });

    it('a taken port fails the start before it logs in or registers: one plain line, exit 1', async () => {
      const taken = net.createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      const tlsPort = (taken.address() as net.AddressInfo).port;
      const before = controlPlane.requests.length;
      try {
        const result = await startToExit(controlPlane, {
          INFISICAL_TOKEN: 'cli-token',
          BURROW_RELAY_SSH_LISTEN_ADDRESS: `127.0.0.1:${await freePort()}`,
          BURROW_RELAY_TLS_LISTEN_ADDRESS: `127.0.0.1:${tlsPort}`,
        });
        expect(result.code).toBe(1);
        expect(result.stderr).toBe(
          `burrow-relay: cannot start: --tls-listen-address (BURROW_RELAY_TLS_LISTEN_ADDRESS): cannot listen on 127.0.0.1:${tlsPort}: address already in use\n`,
        );
        expect(controlPlane.requests.slice(before)).toEqual([]);
      } finally {
        await new Promise((resolve) => taken.close(resolve));
      }
    });

    it('a refused token: no "Logged in" line, the 401 as one plain line, exit 1', async () => {
      const [sshPort, tlsPort] = await Promise.all([freePort(), freePort()]);
      const result = await startToExit(controlPlane, {
        INFISICAL_TOKEN: REVOKED_TOKEN,
        BURROW_RELAY_SSH_LISTEN_ADDRESS: `127.0.0.1:${sshPort}`,
        BURROW_RELAY_TLS_LISTEN_ADDRESS: `127.0.0.1:${tlsPort}`,
      });
      expect(result.code).toBe(1);
      expect(result.stdout).not.toMatch(/logged in/i);
      expect(result.stdout).toContain('Relay failed to start');
      expect(result.stderr).toMatch(
        /^burrow-relay: cannot start: POST \S+\/register-org-relay answered 401: access token is not valid\n$/,
      );
    });

    it('starts, logs "Relay started successfully", and exits 0 after SIGTERM', async () => {
      const [sshPort, tlsPort] = await Promise.all([freePort(), freePort()]);
      const child = spawn(process.execPath, [MAIN, 'start'], {
        env: {
          PATH: process.env.PATH,
          INFISICAL_API_URL: controlPlane.apiUrl.replace(/\/api$/, ''),
          INFISICAL_RELAY_HOST: '127.0.0.1',
          INFISICAL_RELAY_NAME: 'relay-cli',
          INFISICAL_TOKEN: 'cli-token',
          BURROW_RELAY_SSH_LISTEN_ADDRESS: `127.0.0.1:${sshPort}`,
          BURROW_RELAY_TLS_LISTEN_ADDRESS: `127.0.0.1:${tlsPort}`,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      let exitCode: number | null | undefined;
      const exited = new Promise<number | null>((resolve) =>
        child.once('exit', (code) => resolve((exitCode = code))),
      );
      try {
        // The line, or an exit that will never print it (then the assertions below say why).
        await waitFor(
          () => stdout.includes('Relay started successfully') || exitCode !== undefined,
          CHILD_HANG_MS,
        );
        expect(exitCode).toBeUndefined();
        const started = stdout
          .split('\n')
          .filter((line) => line.includes('Relay started successfully'))
          .map((line) => JSON.parse(line) as Record<string, unknown>);
        expect(started).toHaveLength(1);
        expect(started[0]).toMatchObject({
          name: 'burrow-relay',
          relayName: 'relay-cli',
          sshAddress: `127.0.0.1:${sshPort}`,
          tlsAddress: `127.0.0.1:${tlsPort}`,
        });
        // Each key once per line (the relay's name used to repeat the logger's "name").
        const lines = stdout.split('\n').filter((line) => line !== '');
        expect(lines.flatMap(repeatedJsonKeys)).toEqual([]);
        expect(stdout).not.toContain('cli-token');
        const signalledAt = Date.now();
        child.kill('SIGTERM');
        // Exit code 0: it stopped on its own (its shutdown deadline would force exit code 1).
        expect(await exited).toBe(0);
        expect(stdout).toContain('Relay stopped');
        process.stdout.write(`relay stopped ${Date.now() - signalledAt} ms after SIGTERM\n`);
      } finally {
        child.kill('SIGKILL');
      }
    });
  });
});

/** Runs `burrow-relay start` to its exit with the stub's URL and the given environment. */
function startToExit(
  controlPlane: StubControlPlane,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, 'start'], {
      env: {
        PATH: process.env.PATH,
        INFISICAL_API_URL: controlPlane.apiUrl.replace(/\/api$/, ''),
        INFISICAL_RELAY_HOST: '127.0.0.1',
        INFISICAL_RELAY_NAME: 'relay-cli',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_HANG_MS);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
