import { describe, expect, it } from '@jest/globals';
import {
  accessTokenExpiresAt,
  accessTokenPolicy,
  AuthError,
  digestSecret,
  issueAccessToken,
  renewAccessToken,
  verifyAccessTokenUse,
} from '../src/server/index.ts';

const T0 = Date.UTC(2026, 0, 1);
const ip = '127.0.0.1';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof AuthError) return error.code;
    throw error;
  }
  return undefined;
}

describe('access tokens', () => {
  it('stores only a digest and answers with the reference grant shape', () => {
    const policy = accessTokenPolicy({ accessTokenTTL: 60, accessTokenMaxTTL: 120 });
    const { token, record, grant } = issueAccessToken(policy, { now: T0 });
    expect(record.tokenDigest).toBe(digestSecret(token));
    expect(JSON.stringify(record)).not.toContain(token);
    expect(grant).toEqual({
      accessToken: token,
      expiresIn: 60,
      accessTokenMaxTTL: 120,
      tokenType: 'Bearer',
    });
  });

  it('expires after its TTL, and renewal moves expiry but never past the max TTL', () => {
    const policy = accessTokenPolicy({ accessTokenTTL: 60, accessTokenMaxTTL: 100 });
    const { token, record } = issueAccessToken(policy, { now: T0 });
    expect(codeOf(() => verifyAccessTokenUse(record, { now: T0 + 59_000, clientIp: ip }))).toBe(
      undefined,
    );
    expect(codeOf(() => verifyAccessTokenUse(record, { now: T0 + 60_000, clientIp: ip }))).toBe(
      'EXPIRED',
    );
    const renewed = renewAccessToken(token, record, { now: T0 + 50_000, clientIp: ip });
    expect(renewed.grant.expiresIn).toBe(50); // capped: 100 s max TTL - 50 s elapsed
    const after = { ...record, lastRenewedAt: renewed.lastRenewedAt };
    expect(accessTokenExpiresAt(after)).toBe(T0 + 100_000);
    expect(codeOf(() => verifyAccessTokenUse(after, { now: T0 + 99_000, clientIp: ip }))).toBe(
      undefined,
    );
    expect(codeOf(() => renewAccessToken(token, after, { now: T0 + 100_000, clientIp: ip }))).toBe(
      'MAX_TTL_EXCEEDED',
    );
  });

  it('treats TTL 0 and max TTL 0 as no expiry', () => {
    const policy = accessTokenPolicy({ accessTokenTTL: 0, accessTokenMaxTTL: 0 });
    const { record, grant } = issueAccessToken(policy, { now: T0 });
    expect(grant.expiresIn).toBe(0);
    expect(accessTokenExpiresAt(record)).toBeNull();
    expect(codeOf(() => verifyAccessTokenUse(record, { now: T0 + 1e12, clientIp: ip }))).toBe(
      undefined,
    );
  });

  it('refuses revoked tokens, exhausted use limits and untrusted addresses', () => {
    const policy = accessTokenPolicy({
      accessTokenNumUsesLimit: 2,
      accessTokenTrustedIps: [{ ipAddress: '10.0.0.0/8' }, { ipAddress: '::1' }],
    });
    const { record } = issueAccessToken(policy, { now: T0 });
    const now = T0 + 1000;
    expect(codeOf(() => verifyAccessTokenUse(record, { now, clientIp: '10.9.8.7' }))).toBe(
      undefined,
    );
    expect(codeOf(() => verifyAccessTokenUse(record, { now, clientIp: '::1' }))).toBe(undefined);
    expect(codeOf(() => verifyAccessTokenUse(record, { now, clientIp: '::ffff:10.0.0.1' }))).toBe(
      undefined,
    );
    expect(codeOf(() => verifyAccessTokenUse(record, { now, clientIp: ip }))).toBe(
      'IP_NOT_TRUSTED',
    );
    const used = { ...record, accessTokenNumUses: 2 };
    expect(codeOf(() => verifyAccessTokenUse(used, { now, clientIp: '10.0.0.1' }))).toBe(
      'USES_EXHAUSTED',
    );
    const revoked = { ...record, isRevoked: true };
    expect(codeOf(() => verifyAccessTokenUse(revoked, { now, clientIp: '10.0.0.1' }))).toBe(
      'REVOKED',
    );
  });

  it('renews only where and while the token could be used: trusted IPs and use limit', () => {
    const policy = accessTokenPolicy({
      accessTokenNumUsesLimit: 1,
      accessTokenTrustedIps: [{ ipAddress: '10.0.0.0/8' }],
    });
    const { token, record } = issueAccessToken(policy, { now: T0 });
    const now = T0 + 1000;
    expect(codeOf(() => renewAccessToken(token, record, { now, clientIp: '10.1.1.1' }))).toBe(
      undefined,
    );
    expect(codeOf(() => renewAccessToken(token, record, { now, clientIp: ip }))).toBe(
      'IP_NOT_TRUSTED',
    );
    const used = { ...record, accessTokenNumUses: 1 };
    expect(codeOf(() => renewAccessToken(token, used, { now, clientIp: '10.1.1.1' }))).toBe(
      'USES_EXHAUSTED',
    );
  });

  it('rejects impossible policies with a reason', () => {
    expect(() => accessTokenPolicy({ accessTokenTTL: 200, accessTokenMaxTTL: 100 })).toThrow(
      /may not exceed/,
    );
    expect(() => accessTokenPolicy({ accessTokenNumUsesLimit: -1 })).toThrow(/non-negative/);
    expect(() =>
      accessTokenPolicy({ accessTokenTrustedIps: [{ ipAddress: '10.0.0.0/33' }] }),
    ).toThrow(/not an IP address or CIDR/);
  });
});
