/**
 * The `burrow-gateway` process: exit codes, the one-line configuration errors, --help, and a
 * SIGTERM that stops it promptly. Runs src/main.ts with Node's type stripping (the "source"
 * condition resolves the workspace packages to their TypeScript), so no build is needed.
 */
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import type net from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const NODE_ARGS = ['--conditions=source', '--no-warnings', MAIN];

/** An environment without any of the gateway's settings. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(INFISICAL_|BURROW_|TOKEN$)/.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

function run(args: string[], env: NodeJS.ProcessEnv = cleanEnv()) {
  return spawnSync(process.execPath, [...NODE_ARGS, ...args], { env, encoding: 'utf8' });
}

describe('burrow-gateway process', () => {
  it('--help works and exits 0', () => {
    const result = run(['start', '--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: burrow-gateway start [options] [name]');
    expect(run(['--help']).status).toBe(0);
  });

  it('bad configuration: exit 2 with one line on stderr naming each bad setting', () => {
    const missingName = run(
      ['start'],
      cleanEnv({
        INFISICAL_RELAY_NAME: 'edge-1',
        INFISICAL_API_URL: 'http://127.0.0.1:8080',
        INFISICAL_TOKEN: 'token',
      }),
    );
    expect(missingName.status).toBe(2);
    expect(missingName.stderr).toBe(
      'burrow-gateway: --name (INFISICAL_GATEWAY_NAME): is required (the argument of start)\n',
    );
    expect(missingName.stdout).toBe('');

    const nothingSet = run(['start'], cleanEnv({}));
    expect(nothingSet.status).toBe(2);
    expect(nothingSet.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^burrow-gateway: --name \(INFISICAL_GATEWAY_NAME\): is required/),
      expect.stringMatching(/^burrow-gateway: --domain \(INFISICAL_API_URL\): is required/),
      expect.stringMatching(/^burrow-gateway: universal auth needs a client ID/),
    ]);

    const unsupported = run(
      ['start', 'gw-1'],
      cleanEnv({
        INFISICAL_RELAY_NAME: 'edge-1',
        INFISICAL_API_URL: 'http://127.0.0.1:8080',
        INFISICAL_AUTH_METHOD: 'kubernetes',
      }),
    );
    expect(unsupported.status).toBe(2);
    expect(unsupported.stderr.trim().split('\n')).toEqual([
      'burrow-gateway: kubernetes auth needs the machine identity ID: set --machine-identity-id or INFISICAL_MACHINE_IDENTITY_ID',
    ]);

    const unknownFlag = run(['start', 'gw-1', '--bogus']);
    expect(unknownFlag.status).toBe(2);
    expect(unknownFlag.stderr).toMatch(/unknown option '--bogus'/);
  });

  it('a refused registration: exit 1 with the reason, and no "logged in" before it', async () => {
    const server = http.createServer((request, response) => {
      request.resume();
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: 'Relay with name edge-9 not found' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      const child = spawn(
        process.execPath,
        [...NODE_ARGS, 'start', 'gw-1', '--relay', 'edge-9', '--token', 'secret-token'],
        { env: cleanEnv({ INFISICAL_API_URL: `http://127.0.0.1:${port}` }) },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).toBe(1);
      expect(stderr).toBe(
        'burrow-gateway: cannot start: POST /v2/gateways answered 404: Relay with name edge-9 not found\n',
      );
      expect(stdout).toContain('"msg":"gateway cannot start"');
      // The token was never accepted (token auth is checked by the registration itself).
      expect(stdout).not.toContain('"msg":"logged in"');
      expect(stdout).not.toContain('secret-token');
    } finally {
      server.close();
    }
  });

  it('SIGTERM stops it promptly (here while the control plane is unreachable)', async () => {
    // A loopback port nobody listens on: connection refused, so registration keeps retrying.
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as net.AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const child = spawn(
      process.execPath,
      [...NODE_ARGS, 'start', 'gw-1', '--relay', 'edge-1', '--token', 't'],
      { env: cleanEnv({ INFISICAL_API_URL: `http://127.0.0.1:${port}` }) },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    while (!stdout.includes('gateway registration failed; retrying')) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const signalledAt = Date.now();
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
    expect(stdout).toContain('"msg":"gateway stopped"');
  });

  it('SIGINT stops it after the reader of its output went away, and a second signal exits at once', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as net.AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const start = () =>
      spawn(
        process.execPath,
        [...NODE_ARGS, 'start', 'gw-1', '--relay', 'edge-1', '--token', 't'],
        {
          env: cleanEnv({ INFISICAL_API_URL: `http://127.0.0.1:${port}` }),
        },
      );
    const waitForRetry = async (child: ReturnType<typeof start>): Promise<void> => {
      let stdout = '';
      await new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes('gateway registration failed; retrying')) resolve();
        });
      });
    };
    const exited = (child: ReturnType<typeof start>) =>
      new Promise<number | null>((resolve) => child.on('exit', resolve));

    // The reader of its output goes away (as `| head -1` does), then Ctrl-C: pino used to wait
    // forever for the pipe to take the "stopping" line, and the gateway never exited.
    const piped = start();
    await waitForRetry(piped);
    piped.stdout.destroy();
    const pipedExit = exited(piped);
    piped.kill('SIGINT');
    expect(await pipedExit).toBe(0);

    // Two signals: the second one does not wait for the stop.
    const twice = start();
    await waitForRetry(twice);
    const twiceExit = exited(twice);
    twice.kill('SIGINT');
    twice.kill('SIGINT');
    expect([0, 1]).toContain(await twiceExit);
  });
});
