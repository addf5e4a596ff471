/**
 * `burrow login --email` (issue 19) against @burrow/test-support's fake control plane, which
 * serves only platform-api's userLogin route and checks its answers against the route's schema:
 * the person's token is stored 0600 with its expiry, the password is never stored, a refusal is
 * the control plane's words, and a missing password is a usage error before anything is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { routes } from '@burrow/platform-api';
import {
  fakeAnswer,
  fakeRoute,
  startFakeControlPlane,
  type FakeControlPlane,
} from '@burrow/test-support';
import { CREDENTIALS_FILE } from '../src/credentials-store.ts';
import { runLogin } from '../src/login-command.ts';

let fake: FakeControlPlane;
let configDir: string;

beforeAll(async () => {
  fake = await startFakeControlPlane([
    fakeRoute(routes.userLogin, ({ body }) => {
      const { email, password } = body as { email: string; password: string };
      if (email !== 'ada@example.com' || password !== 'right password') {
        return fakeAnswer(401, { message: 'Wrong email or password' });
      }
      return {
        accessToken: 'person-token',
        expiresIn: 43_200,
        accessTokenMaxTTL: 43_200,
        tokenType: 'Bearer' as const,
      };
    }),
  ]);
  configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-login-person-'));
});

afterAll(async () => {
  await fake?.close();
  fs.rmSync(configDir, { recursive: true, force: true });
});

describe('burrow login --email', () => {
  it('stores the person’s token (0600), never the password', async () => {
    const result = await runLogin(
      {
        domain: fake.apiUrl,
        email: 'ada@example.com',
        password: () => Promise.resolve('right password'),
      },
      configDir,
      {},
    );
    expect(result.message).toMatch(
      new RegExp(
        `^Logged in to ${fake.apiUrl} as ada@example.com; the login is valid until \\S+Z\\. Saved to `,
      ),
    );
    const file = path.join(configDir, CREDENTIALS_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const stored = fs.readFileSync(file, 'utf8');
    expect(JSON.parse(stored)).toMatchObject({
      accessToken: 'person-token',
      authMethod: 'user-password',
      email: 'ada@example.com',
    });
    expect(stored).not.toContain('right password');
    expect(fake.mistakes).toEqual([]);
  });

  it('says the control plane’s words for a wrong password', async () => {
    await expect(
      runLogin(
        { domain: fake.apiUrl, email: 'ada@example.com', password: () => Promise.resolve('nope') },
        configDir,
        {},
      ),
    ).rejects.toThrow(/Wrong email or password/);
  });

  it('refuses an empty password before calling the control plane', async () => {
    const before = fake.requests.length;
    await expect(
      runLogin(
        { domain: fake.apiUrl, email: 'ada@example.com', password: () => Promise.resolve('') },
        configDir,
        {},
      ),
    ).rejects.toThrow('no password: type it when asked, or pipe it in / set BURROW_PASSWORD');
    expect(fake.requests.length).toBe(before);
  });
});
