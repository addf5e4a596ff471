import { AuthError } from './auth-error.ts';
import type { AccessTokenPolicy } from './access-token-policy.ts';
import { digestSecret, generateSecret } from './secret-digest.ts';
import { assertIpTrusted, type TrustedIp } from './trusted-ips.ts';

/**
 * Machine-identity access tokens: opaque random bearer tokens, stored only as a digest together
 * with the policy they were issued under.
 *
 * Lifetime rules (Infisical's): a token expires `accessTokenTTL` seconds after it was issued or
 * last renewed; renewal moves that point but never past `createdAt + accessTokenMaxTTL`; each
 * authenticated use counts against `accessTokenNumUsesLimit`; a revoked token is dead. A TTL,
 * max TTL or use limit of 0 means no limit.
 *
 * @example
 *   const { token, record } = issueAccessToken(policy, { now: Date.now() });
 *   // store `record` (it holds tokenDigest, not the token), hand `token` to the client once
 *   verifyAccessTokenUse(record, { now: Date.now(), clientIp: '127.0.0.1' });
 */
export interface AccessTokenRecord {
  tokenDigest: string;
  accessTokenTTL: number;
  accessTokenMaxTTL: number;
  accessTokenNumUsesLimit: number;
  accessTokenNumUses: number;
  accessTokenTrustedIps: TrustedIp[];
  /** Epoch milliseconds. */
  createdAt: number;
  /** Epoch milliseconds, or null if never renewed. */
  lastRenewedAt: number | null;
  isRevoked: boolean;
}

/** What the login, token-create and renew endpoints answer (reference §7). */
export interface AccessTokenGrant {
  accessToken: string;
  expiresIn: number;
  accessTokenMaxTTL: number;
  tokenType: 'Bearer';
}

/** Prefix that marks Burrow access tokens in logs and secret scanners (never `st.`). */
export const ACCESS_TOKEN_PREFIX = 'burrow.at.';

export function issueAccessToken(
  policy: AccessTokenPolicy,
  options: { now: number },
): { token: string; record: AccessTokenRecord; grant: AccessTokenGrant } {
  const token = `${ACCESS_TOKEN_PREFIX}${generateSecret()}`;
  const record: AccessTokenRecord = {
    tokenDigest: digestSecret(token),
    accessTokenTTL: policy.accessTokenTTL,
    accessTokenMaxTTL: policy.accessTokenMaxTTL,
    accessTokenNumUsesLimit: policy.accessTokenNumUsesLimit,
    accessTokenNumUses: 0,
    accessTokenTrustedIps: policy.accessTokenTrustedIps,
    createdAt: options.now,
    lastRenewedAt: null,
    isRevoked: false,
  };
  return { token, record, grant: grantFor(token, record, options.now) };
}

/** Epoch ms at which the token stops being valid, or null if it never expires. */
export function accessTokenExpiresAt(record: AccessTokenRecord): number | null {
  const ttlEnd =
    record.accessTokenTTL > 0
      ? (record.lastRenewedAt ?? record.createdAt) + record.accessTokenTTL * 1000
      : null;
  const maxEnd =
    record.accessTokenMaxTTL > 0 ? record.createdAt + record.accessTokenMaxTTL * 1000 : null;
  if (ttlEnd === null) return maxEnd;
  if (maxEnd === null) return ttlEnd;
  return Math.min(ttlEnd, maxEnd);
}

/**
 * Checks that the token may be used now, from `clientIp`. Does not count the use: the store
 * increments `accessTokenNumUses` atomically after this passes.
 */
export function verifyAccessTokenUse(
  record: AccessTokenRecord,
  options: { now: number; clientIp: string },
): void {
  assertAlive(record, options.now);
  assertUsesLeft(record);
  assertIpTrusted(options.clientIp, record.accessTokenTrustedIps, 'access token');
}

/**
 * Renews a live token: returns the new `lastRenewedAt` and the grant to answer with. The token
 * keeps its value; only its expiry moves (capped by the max TTL). Renewal is held to the same
 * rules as a use (trusted IPs, use limit), so a token cannot be kept alive from an address it may
 * not be used from, nor once its uses are spent; a renewal does not itself count as a use.
 */
export function renewAccessToken(
  token: string,
  record: AccessTokenRecord,
  options: { now: number; clientIp: string },
): { lastRenewedAt: number; grant: AccessTokenGrant } {
  assertAlive(record, options.now);
  assertUsesLeft(record);
  assertIpTrusted(options.clientIp, record.accessTokenTrustedIps, 'access token');
  const renewed = { ...record, lastRenewedAt: options.now };
  return { lastRenewedAt: options.now, grant: grantFor(token, renewed, options.now) };
}

function assertUsesLeft(record: AccessTokenRecord): void {
  if (
    record.accessTokenNumUsesLimit > 0 &&
    record.accessTokenNumUses >= record.accessTokenNumUsesLimit
  ) {
    throw new AuthError('USES_EXHAUSTED', 'access token has reached its use limit');
  }
}

function assertAlive(record: AccessTokenRecord, now: number): void {
  if (record.isRevoked) throw new AuthError('REVOKED', 'access token has been revoked');
  if (record.accessTokenMaxTTL > 0 && now >= record.createdAt + record.accessTokenMaxTTL * 1000) {
    throw new AuthError('MAX_TTL_EXCEEDED', 'access token has reached its max TTL; log in again');
  }
  const expiresAt = accessTokenExpiresAt(record);
  if (expiresAt !== null && now >= expiresAt) {
    throw new AuthError('EXPIRED', 'access token has expired');
  }
}

function grantFor(token: string, record: AccessTokenRecord, now: number): AccessTokenGrant {
  const expiresAt = accessTokenExpiresAt(record);
  return {
    accessToken: token,
    // Seconds until the token expires (0 for a token without expiry, as the reference does).
    expiresIn: expiresAt === null ? 0 : Math.max(0, Math.floor((expiresAt - now) / 1000)),
    accessTokenMaxTTL: record.accessTokenMaxTTL,
    tokenType: 'Bearer',
  };
}
