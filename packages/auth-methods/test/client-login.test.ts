import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConfigError } from '@burrow/observability';
import { routes } from '@burrow/platform-api';
import {
  fakeAnswer,
  fakeRoute,
  startFakeControlPlane,
  type FakeControlPlane,
} from '@burrow/test-support';
import { MachineIdentitySession, normalizeApiUrl, resolveAuthFromEnv } from '../src/index.ts';

describe('resolveAuthFromEnv', () => {
  it('uses universal auth from the reference env vars', () => {
    expect(
      resolveAuthFromEnv(
        {},
        {
          INFISICAL_AUTH_METHOD: 'universal-auth',
          INFISICAL_UNIVERSAL_AUTH_CLIENT_ID: 'id',
          INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET: 'secret',
        },
      ),
    ).toEqual({ method: 'universal-auth', clientId: 'id', clientSecret: 'secret' });
  });
  it('defaults to token auth when a token is present, and flags win over env', () => {
    expect(resolveAuthFromEnv({}, { INFISICAL_TOKEN: 'env-token' })).toEqual({
      method: 'token',
      token: 'env-token',
    });
    expect(resolveAuthFromEnv({ token: 'flag-token' }, { INFISICAL_TOKEN: 'env-token' })).toEqual({
      method: 'token',
      token: 'flag-token',
    });
  });
  it('names the missing setting', () => {
    expect(() => resolveAuthFromEnv({}, {})).toThrow(/INFISICAL_UNIVERSAL_AUTH_CLIENT_ID/);
    expect(() => resolveAuthFromEnv({ clientId: 'x' }, {})).toThrow(
      /INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET/,
    );
    expect(() => resolveAuthFromEnv({ authMethod: 'token' }, {})).toThrow(/INFISICAL_TOKEN/);
    expect(() => resolveAuthFromEnv({ authMethod: 'kubernetes' }, {})).toThrow(
      /INFISICAL_MACHINE_IDENTITY_ID/,
    );
    expect(() => resolveAuthFromEnv({ authMethod: 'gcp-iam' }, {})).toThrow(
      /INFISICAL_GCP_IAM_SERVICE_ACCOUNT_KEY_FILE_PATH/,
    );
    expect(() =>
      resolveAuthFromEnv({ authMethod: 'jwt-auth', machineIdentityId: 'x' }, {}),
    ).toThrow(/INFISICAL_JWT/);
    expect(() => resolveAuthFromEnv({ authMethod: 'ldap-auth' }, {})).toThrow(/not built/);
    expect(() => resolveAuthFromEnv({ authMethod: 'magic' }, {})).toThrow(ConfigError);
  });
});

describe('normalizeApiUrl', () => {
  it('appends /api once', () => {
    expect(normalizeApiUrl('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080/api');
    expect(normalizeApiUrl('http://127.0.0.1:8080/api/')).toBe('http://127.0.0.1:8080/api');
    expect(() => normalizeApiUrl('ftp://x')).toThrow(/http/);
    expect(() => normalizeApiUrl('not a url')).toThrow(/invalid platform URL/);
  });
});

describe('MachineIdentitySession', () => {
  let platform: FakeControlPlane;
  let apiUrl: string;
  let issued = 0;

  beforeAll(async () => {
    platform = await startFakeControlPlane([
      fakeRoute(routes.universalAuthLogin, ({ body }) => {
        if ((body as { clientSecret: string }).clientSecret !== 'right') {
          return fakeAnswer(401, { message: 'Invalid credentials' });
        }
        issued += 1;
        // expiresIn 6 s => renewal due after 1 s; max TTL 8 s => at ~1 s 7 s remain (renew), at
        // ~2 s less than 6 s remain (re-login). A max TTL of 7 s sat on the boundary.
        return {
          accessToken: `login-${issued}`,
          expiresIn: 6,
          accessTokenMaxTTL: 8,
          tokenType: 'Bearer' as const,
        };
      }),
      fakeRoute(routes.renewAccessToken, ({ body }) => ({
        accessToken: `${(body as { accessToken: string }).accessToken}-renewed`,
        expiresIn: 6,
        accessTokenMaxTTL: 8,
        tokenType: 'Bearer' as const,
      })),
    ]);
    apiUrl = platform.apiUrl;
  });
  afterAll(() => platform.close());

  it('reports a refused login with the status and the platform message', async () => {
    await expect(
      MachineIdentitySession.login(apiUrl, {
        method: 'universal-auth',
        clientId: 'id',
        clientSecret: 'wrong',
      }),
    ).rejects.toThrow(/401.*Invalid credentials/);
  });

  it('reports an unreachable platform', async () => {
    await expect(
      MachineIdentitySession.login('http://127.0.0.1:1/api', {
        method: 'universal-auth',
        clientId: 'a',
        clientSecret: 'b',
      }),
    ).rejects.toThrow(/cannot reach the control plane/);
  });

  it('renews before expiry, then logs in again when the max TTL would be passed', async () => {
    const before = platform.requests.length;
    const session = await MachineIdentitySession.login(apiUrl, {
      method: 'universal-auth',
      clientId: 'id',
      clientSecret: 'right',
    });
    const first = session.accessToken;
    expect(first).toMatch(/^login-\d+$/);
    await new Promise((resolve) => session.once('renewed', resolve));
    expect(session.accessToken).toBe(`${first}-renewed`);
    await new Promise((resolve) => session.once('renewed', resolve));
    expect(session.accessToken).toMatch(/^login-\d+$/);
    expect(session.accessToken).not.toBe(first);
    session.close();
    expect(platform.requests.slice(before).map(({ path }) => path)).toEqual([
      '/api/v1/auth/universal-auth/login',
      '/api/v1/auth/token/renew',
      '/api/v1/auth/universal-auth/login',
    ]);
  });

  it('uses a given token as it is', async () => {
    const session = await MachineIdentitySession.login(apiUrl, { method: 'token', token: 'abc' });
    expect(session.accessToken).toBe('abc');
    session.close();
  });
});

describe('MachineIdentitySession with a long-lived token', () => {
  it('does not renew a 30-day token early (setTimeout would overflow to 1 ms)', async () => {
    let renewals = 0;
    const grant = {
      accessToken: 't',
      expiresIn: 30 * 24 * 3600,
      accessTokenMaxTTL: 60 * 24 * 3600,
      tokenType: 'Bearer' as const,
    };
    const platform = await startFakeControlPlane([
      fakeRoute(routes.universalAuthLogin, () => grant),
      fakeRoute(routes.renewAccessToken, () => {
        renewals += 1;
        return grant;
      }),
    ]);
    const session = await MachineIdentitySession.login(platform.apiUrl, {
      method: 'universal-auth',
      clientId: 'a',
      clientSecret: 'b',
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    session.close();
    await platform.close();
    expect(renewals).toBe(0);
  });
});
