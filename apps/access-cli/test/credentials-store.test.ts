import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { CliError, EXIT_CODES } from '../src/cli-error.ts';
import { ensureConfigDir, resolveConfigDir } from '../src/config-dir.ts';
import {
  credentialsPath,
  deleteCredentials,
  readCredentials,
  reloginHint,
  requireLogin,
  writeCredentials,
  type StoredCredentials,
} from '../src/credentials-store.ts';

const scratch: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-cli-test-'));
  scratch.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of scratch.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const login: StoredCredentials = {
  apiUrl: 'http://127.0.0.1:8080/api',
  accessToken: 'secret-token-value',
  expiresAt: '2099-01-01T00:00:00.000Z',
  authMethod: 'universal-auth',
  clientId: 'client-123',
};

const mode = (file: string): number => fs.statSync(file).mode & 0o777;

describe('config dir', () => {
  it('is BURROW_CONFIG_DIR when set, else ~/.burrow', () => {
    expect(resolveConfigDir({ BURROW_CONFIG_DIR: '/tmp/x' })).toBe('/tmp/x');
    expect(resolveConfigDir({})).toBe(path.join(os.homedir(), '.burrow'));
  });

  it('is created with mode 0700, and a looser existing one is tightened', () => {
    const dir = path.join(tempDir(), 'nested', 'config');
    ensureConfigDir(dir);
    expect(mode(dir)).toBe(0o700);
    fs.chmodSync(dir, 0o755);
    ensureConfigDir(dir);
    expect(mode(dir)).toBe(0o700);
  });
});

describe('credentials file', () => {
  it('is written with mode 0600 inside a 0700 directory, even with a permissive umask', () => {
    const dir = path.join(tempDir(), 'burrow');
    const previous = process.umask(0o000);
    try {
      writeCredentials(dir, login);
    } finally {
      process.umask(previous);
    }
    expect(mode(dir)).toBe(0o700);
    expect(mode(credentialsPath(dir))).toBe(0o600);
    expect(readCredentials(dir)).toEqual(login);
    expect(fs.readdirSync(dir)).toEqual(['credentials.json']); // no temporary file left behind
  });

  it('replaces an earlier login and keeps mode 0600', () => {
    const dir = tempDir();
    writeCredentials(dir, login);
    writeCredentials(dir, {
      ...login,
      accessToken: 'second',
      authMethod: 'token',
      expiresAt: null,
    });
    expect(readCredentials(dir)?.accessToken).toBe('second');
    expect(mode(credentialsPath(dir))).toBe(0o600);
  });

  it('refuses a file that others can read, naming the fix', () => {
    const dir = tempDir();
    writeCredentials(dir, login);
    fs.chmodSync(credentialsPath(dir), 0o644);
    expect(() => readCredentials(dir)).toThrow(/chmod 600/);
  });

  it('is absent before login and after logout', () => {
    const dir = tempDir();
    expect(readCredentials(dir)).toBeUndefined();
    writeCredentials(dir, login);
    expect(deleteCredentials(dir)).toBe(true);
    expect(readCredentials(dir)).toBeUndefined();
    expect(deleteCredentials(dir)).toBe(false);
  });
});

describe('requireLogin', () => {
  it('says "not logged in" with exit code 3 when there is no login', () => {
    const error = captureError(() => requireLogin(tempDir()));
    expect(error.message).toMatch(/^not logged in: run burrow login/);
    expect(error.exitCode).toBe(EXIT_CODES.notLoggedIn);
  });

  it('refuses an expired login with the command to log in again, without the token', () => {
    const dir = tempDir();
    writeCredentials(dir, { ...login, expiresAt: '2020-01-01T00:00:00.000Z' });
    const error = captureError(() => requireLogin(dir));
    expect(error.message).toMatch(/expired at 2020-01-01T00:00:00.000Z/);
    expect(error.message).toMatch(/--client-id client-123/);
    expect(error.message).not.toMatch(/secret-token-value/);
    expect(error.exitCode).toBe(EXIT_CODES.notLoggedIn);
  });

  it('accepts a token login without a known expiry', () => {
    const dir = tempDir();
    writeCredentials(dir, { ...login, authMethod: 'token', expiresAt: null });
    expect(requireLogin(dir).accessToken).toBe('secret-token-value');
    expect(reloginHint(requireLogin(dir))).toMatch(/--method token/);
  });
});

function captureError(fn: () => unknown): CliError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error('expected a CliError');
}
