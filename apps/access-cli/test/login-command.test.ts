import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { routes } from '@burrow/platform-api';
import { fakeRoute, startFakeControlPlane, type FakeControlPlane } from '@burrow/test-support';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { CliError } from '../src/cli-error.ts';
import { runLogin } from '../src/login-command.ts';

/**
 * `burrow login` against a stand-in control plane (127.0.0.1, free port): where the platform URL
 * comes from, and INFISICAL_CUSTOM_HEADERS on the login requests.
 */
let platform: FakeControlPlane;
let configDir: string;

beforeAll(async () => {
  platform = await startFakeControlPlane([
    fakeRoute(routes.universalAuthLogin, () => ({
      accessToken: 'access-1',
      expiresIn: 3600,
      accessTokenMaxTTL: 7200,
      tokenType: 'Bearer' as const,
    })),
    fakeRoute(routes.listGateways, () => []),
  ]);
});
afterAll(async () => {
  await platform.close();
});
beforeEach(() => {
  configDir = mkdtempSync(path.join(tmpdir(), 'burrow-login-'));
  platform.requests.length = 0;
});
afterEach(() => {
  rmSync(configDir, { recursive: true, force: true });
});

const universal = { clientId: 'cid', clientSecret: 'csecret' };

describe('burrow login', () => {
  it('INFISICAL_DOMAIN beats INFISICAL_API_URL; a typed --domain beats both', async () => {
    const unreachable = 'http://127.0.0.1:9';
    const viaDomain = await runLogin(universal, configDir, {
      INFISICAL_DOMAIN: platform.apiUrl,
      INFISICAL_API_URL: unreachable,
    });
    expect(viaDomain.credentials.apiUrl).toBe(platform.apiUrl);
    const typed = await runLogin({ ...universal, domain: platform.apiUrl }, configDir, {
      INFISICAL_DOMAIN: unreachable,
      INFISICAL_API_URL: unreachable,
    });
    expect(typed.credentials.apiUrl).toBe(platform.apiUrl);
    // Nothing set: the previous login's platform.
    const previous = await runLogin(universal, configDir, {});
    expect(previous.credentials.apiUrl).toBe(platform.apiUrl);
  });

  it('sends INFISICAL_CUSTOM_HEADERS with the login requests', async () => {
    await runLogin({ ...universal, domain: platform.apiUrl }, configDir, {
      INFISICAL_CUSTOM_HEADERS: 'X-Org=acme CF-Access-Client-Secret="proxy secret"',
    });
    await runLogin({ token: 'a-token', domain: platform.apiUrl }, configDir, {
      INFISICAL_CUSTOM_HEADERS: 'X-Org=acme CF-Access-Client-Secret="proxy secret"',
    });
    expect(platform.requests.map((request) => request.path)).toEqual([
      '/api/v1/auth/universal-auth/login',
      '/api/v2/gateways',
    ]);
    for (const request of platform.requests) {
      expect(request.headers['x-org']).toBe('acme');
      expect(request.headers['cf-access-client-secret']).toBe('proxy secret');
    }
  });

  it('a bad setting is a usage error naming it, sent nowhere, quoting no header value', async () => {
    const refusal = (env: NodeJS.ProcessEnv) =>
      runLogin({ ...universal, domain: platform.apiUrl }, configDir, env).catch(
        (error: unknown) => error as CliError,
      );
    const badHeaders = await refusal({ INFISICAL_CUSTOM_HEADERS: 'X-Secret="s3cr3t' });
    expect(badHeaders).toBeInstanceOf(CliError);
    expect(badHeaders.message).toBe(
      "INFISICAL_CUSTOM_HEADERS: entry 1 (X-Secret): its value's opening quote is never closed",
    );
    const badDomain = await runLogin(universal, configDir, { INFISICAL_DOMAIN: 'nope' }).catch(
      (error: unknown) => error as CliError,
    );
    expect(badDomain.message).toBe(
      'INFISICAL_DOMAIN: "nope" is not a URL (expected http(s)://host[:port])',
    );
    const none = await runLogin(universal, configDir, {}).catch(
      (error: unknown) => error as CliError,
    );
    expect(none.message).toMatch(/^--domain \(INFISICAL_API_URL\): is required/);
    expect(platform.requests).toEqual([]);
  });
});
