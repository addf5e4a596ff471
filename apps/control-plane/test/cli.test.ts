import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { freePort } from '@burrow/test-support';

/**
 * The `burrow-control-plane` CLI, run from source (Node 24 strips the types; workspace packages
 * resolve to their sources through the "source" export condition).
 */
const main = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'main.ts');
const node = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ['--conditions=source', main, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    // A hang detector, far above a loaded machine's slowest start (jest's own timeout is above it).
    timeout: 90_000,
  });

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-cp-cli-'));
let server: ChildProcess | undefined;

afterAll(() => {
  server?.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('burrow-control-plane CLI', () => {
  it('shows every flag with its environment variable in --help', () => {
    const help = node(['serve', '--help']);
    expect(help.status).toBe(0);
    for (const text of [
      '--host',
      'BURROW_HOST',
      '--port',
      'BURROW_PORT',
      '--data-dir',
      'BURROW_DATA_DIR',
      'ENCRYPTION_KEY',
      'RELAY_AUTH_SECRET',
      'BURROW_KEY_ALGORITHM',
    ]) {
      expect(help.stdout).toContain(text);
    }
    const bootstrapHelp = node(['bootstrap', '--help']);
    expect(bootstrapHelp.stdout).toMatch(
      /--email[\s\S]*--password[\s\S]*--organization[\s\S]*--api-url/,
    );
  });

  it('refuses bad configuration with one line naming the setting', () => {
    const badPort = node(['serve', '--port', 'http'], { BURROW_DATA_DIR: path.join(tmp, 'x') });
    expect(badPort.status).toBe(2);
    expect(badPort.stderr.trim()).toBe(
      'burrow-control-plane: invalid configuration: --port / BURROW_PORT must be a port number 0-65535, got "http"',
    );
    const badKey = node(['serve'], {
      ENCRYPTION_KEY: 'short',
      BURROW_DATA_DIR: path.join(tmp, 'x'),
    });
    expect(badKey.status).toBe(2);
    expect(badKey.stderr).toMatch(/ENCRYPTION_KEY must be 32 bytes/);
    const badPolicy = node(['serve'], {
      BURROW_REFUSE_PRIVATE_IDP_ADDRESSES: 'maybe',
      BURROW_DATA_DIR: path.join(tmp, 'x'),
    });
    expect(badPolicy.status).toBe(2);
    expect(badPolicy.stderr).toMatch(/BURROW_REFUSE_PRIVATE_IDP_ADDRESSES must be true or false/);
  });

  it('serves, bootstraps once through the admin command, and stops on SIGTERM', async () => {
    const dataDir = path.join(tmp, 'serve');
    server = spawn(
      process.execPath,
      ['--conditions=source', main, 'serve', '--port', '0', '--data-dir', dataDir],
      {
        env: { ...process.env, ENCRYPTION_KEY: 'ab'.repeat(32) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let serverStderr = '';
    server.stderr!.on('data', (chunk: Buffer) => (serverStderr += chunk.toString()));
    // Waits for the line, or for an exit that will never print it; no guess of how long a start
    // takes (20 s was not enough on a loaded machine; jest's timeout bounds a hang).
    const address = await new Promise<string>((resolve, reject) => {
      let buffered = '';
      const onExit = (code: number | null): void =>
        reject(new Error(`exited ${code} before listening: ${buffered}${serverStderr}`));
      server!.once('exit', onExit);
      server!.stdout!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        for (const line of buffered.split('\n')) {
          if (!line.includes('Control plane listening')) continue;
          server!.off('exit', onExit);
          resolve((JSON.parse(line) as { address: string }).address);
        }
      });
    });
    expect(fs.existsSync(path.join(dataDir, 'root.key'))).toBe(false); // ENCRYPTION_KEY given
    expect((await (await fetch(`${address}/healthz`)).json()) as unknown).toEqual({ status: 'ok' });

    const args = [
      'bootstrap',
      '--email',
      'ops@example.com',
      '--password',
      'long enough pw',
      '--organization',
      'Ops',
      '--api-url',
      `${address}/api`,
    ];
    const first = await runAsync(args);
    expect(first.status).toBe(0);
    const body = JSON.parse(first.stdout) as {
      identity: { credentials: { token: string } };
      organization: { slug: string };
    };
    expect(body.organization.slug).toBe('ops');
    expect(body.identity.credentials.token).toMatch(/^burrow\.at\./);
    const second = await runAsync(args);
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(/bootstrap failed \(400\): Instance has already been set up/);
    // No control plane there: one clear line, not a stack trace.
    const nobody = await runAsync([
      ...args.slice(0, -1),
      `http://127.0.0.1:${await freePort()}/api`,
    ]);
    expect(nobody.status).toBe(1);
    expect(nobody.stderr).toMatch(/^bootstrap failed \(no answer\): .+\n$/);

    const exited = new Promise<number | null>((resolve) =>
      server!.once('exit', (code) => resolve(code)),
    );
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    server = undefined;
    // No deprecation warning (fastify's FSTDEP023 used to greet every start).
    expect(serverStderr).not.toMatch(/Deprecation|FSTDEP|Warning/);
  });
});

/** Runs the CLI without blocking the event loop that reads the server's output. */
function runAsync(
  args: string[],
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=source', main, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (status) => resolve({ status, stdout, stderr }));
  });
}
