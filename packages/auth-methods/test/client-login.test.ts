import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AuthConfigError,
  MachineIdentitySession,
  normalizeApiUrl,
  resolveAuthFromEnv,
} from '../src/index.ts';

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
    expect(() => resolveAuthFromEnv({ authMethod: 'magic' }, {})).toThrow(AuthConfigError);
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
  const calls: string[] = [];
  let server: http.Server;
  let apiUrl: string;
  let issued = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        calls.push(req.url ?? '');
        const json = JSON.parse(body) as Record<string, string>;
        res.setHeader('content-type', 'application/json');
        if (req.url === '/api/v1/auth/universal-auth/login') {
          if (json.clientSecret !== 'right') {
            res.statusCode = 401;
            res.end(JSON.stringify({ message: 'Invalid credentials' }));
            return;
          }
          issued += 1;
          // expiresIn 6 s => renewal due after 1 s; max TTL 8 s => at ~1 s 7 s remain (renew), at
          // ~2 s less than 6 s remain (re-login). A max TTL of 7 s sat on the boundary.
          res.end(
            JSON.stringify({
              accessToken: `login-${issued}`,
              expiresIn: 6,
              accessTokenMaxTTL: 8,
              tokenType: 'Bearer',
            }),
          );
        } else if (req.url === '/api/v1/auth/token/renew') {
          res.end(
            JSON.stringify({
              accessToken: `${json.accessToken}-renewed`,
              expiresIn: 6,
              accessTokenMaxTTL: 8,
              tokenType: 'Bearer',
            }),
          );
        } else {
          res.statusCode = 404;
          res.end('{}');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

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
    calls.length = 0;
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
    expect(calls).toEqual([
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
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.url?.endsWith('/renew')) renewals += 1;
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            accessToken: 't',
            expiresIn: 30 * 24 * 3600,
            accessTokenMaxTTL: 60 * 24 * 3600,
            tokenType: 'Bearer',
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
    const session = await MachineIdentitySession.login(url, {
      method: 'universal-auth',
      clientId: 'a',
      clientSecret: 'b',
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    session.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(renewals).toBe(0);
  });
});
