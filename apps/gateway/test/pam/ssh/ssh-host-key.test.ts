/**
 * The gateway's PAM SSH server key: made once (0600), the same key after a restart, refused when
 * others can read it; ssh-keygen (the independent judge) derives the same public key from the file.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import {
  PAM_SSH_HOST_KEY_FILE,
  cachedPamSshHostKey,
  loadOrCreatePamSshHostKey,
} from '../../../src/pam/ssh/ssh-host-key.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'burrow-ssh-host-key-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('first use creates an ed25519 key 0600 that ssh-keygen reads; later loads return the same key', async () => {
  const first = await loadOrCreatePamSshHostKey(dir);
  const file = path.join(dir, PAM_SSH_HOST_KEY_FILE);
  expect(first.file).toBe(file);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(first.publicKeyLine).toMatch(/^ssh-ed25519 AAAA[\w+/=]+ burrow-gateway-pam$/);
  const derived = execFileSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8' });
  expect(derived.split(' ').slice(0, 2)).toEqual(first.publicKeyLine.split(' ').slice(0, 2));

  const again = await loadOrCreatePamSshHostKey(dir);
  expect(again.publicKeyLine).toBe(first.publicKeyLine);
  // Concurrent first uses in a fresh directory agree on one key (O_EXCL).
  const other = mkdtempSync(path.join(os.tmpdir(), 'burrow-ssh-host-key-'));
  try {
    const keys = await Promise.all([1, 2, 3].map(() => loadOrCreatePamSshHostKey(other)));
    expect(new Set(keys.map((k) => k.publicKeyLine)).size).toBe(1);
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});

test('a key file others can read, or one that is not an ed25519 key, is refused without quoting it', async () => {
  const file = path.join(dir, PAM_SSH_HOST_KEY_FILE);
  await loadOrCreatePamSshHostKey(dir);
  chmodSync(file, 0o644);
  await expect(loadOrCreatePamSshHostKey(dir)).rejects.toThrow(/readable by others \(mode 644\)/);

  writeFileSync(file, 'secret-looking garbage', { mode: 0o600 });
  chmodSync(file, 0o600);
  const error = (await loadOrCreatePamSshHostKey(dir).catch((e: unknown) => e)) as Error;
  expect(error.message).toMatch(/is not an ed25519 OpenSSH private key/);
  expect(error.message).not.toContain('secret-looking');
  expect(readFileSync(file, 'utf8')).toBe('secret-looking garbage');
});

test('the cached source retries after a failure and then keeps the key', async () => {
  let calls = 0;
  const source = cachedPamSshHostKey(() => {
    calls += 1;
    return calls === 1 ? Promise.reject(new Error('no directory yet')) : Promise.resolve(dir);
  });
  await expect(source()).rejects.toThrow(/no directory yet/);
  const key = await source();
  expect(await source()).toBe(key);
  expect(calls).toBe(2);
});
