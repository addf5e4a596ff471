import { describe, expect, it } from '@jest/globals';
import {
  AuthError,
  clientSecretUsable,
  createClientSecret,
  isIpTrusted,
  universalAuthConfig,
  verifyClientSecretLogin,
} from '../src/server/index.ts';

const T0 = Date.UTC(2026, 0, 1);

function loginError(fn: () => unknown): AuthError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AuthError) return error;
    throw error;
  }
  throw new Error('expected the login to be refused');
}

describe('universal auth', () => {
  it('accepts the right secret and refuses a wrong one with 401', () => {
    const config = universalAuthConfig();
    const { clientSecret, record } = createClientSecret({ now: T0, description: 'ci' });
    expect(record.clientSecretPrefix).toBe(clientSecret.slice(0, 4));
    expect(JSON.stringify(record)).not.toContain(clientSecret);
    const match = verifyClientSecretLogin(config, [record], {
      clientSecret,
      clientIp: '127.0.0.1',
      now: T0,
    });
    expect(match.id).toBe(record.id);
    const wrong = loginError(() =>
      verifyClientSecretLogin(config, [record], {
        clientSecret: 'x'.repeat(64),
        clientIp: '127.0.0.1',
        now: T0,
      }),
    );
    expect(wrong.httpStatus).toBe(401);
  });

  it('honours secret TTL, use limit and revocation', () => {
    const { record } = createClientSecret({ now: T0, ttl: 10, numUsesLimit: 1 });
    expect(clientSecretUsable(record, T0 + 9_000)).toBe(true);
    expect(clientSecretUsable(record, T0 + 10_000)).toBe(false);
    expect(clientSecretUsable({ ...record, clientSecretNumUses: 1 }, T0)).toBe(false);
    expect(clientSecretUsable({ ...record, isClientSecretRevoked: true }, T0)).toBe(false);
  });

  it('refuses a login from outside the client-secret trusted IPs with 401', () => {
    const config = universalAuthConfig({ clientSecretTrustedIps: [{ ipAddress: '192.0.2.0/24' }] });
    const { clientSecret, record } = createClientSecret({ now: T0 });
    const error = loginError(() =>
      verifyClientSecretLogin(config, [record], { clientSecret, clientIp: '127.0.0.1', now: T0 }),
    );
    expect(error.code).toBe('LOGIN_IP_NOT_TRUSTED');
    expect(error.httpStatus).toBe(401);
  });

  it('matches CIDRs for both address families', () => {
    const ranges = [{ ipAddress: '127.0.0.0/8' }, { ipAddress: 'fd00::/8' }];
    expect(isIpTrusted('127.1.2.3', ranges)).toBe(true);
    expect(isIpTrusted('fd12::1', ranges)).toBe(true);
    expect(isIpTrusted('128.0.0.1', ranges)).toBe(false);
    expect(isIpTrusted('not-an-ip', ranges)).toBe(false);
  });
});
