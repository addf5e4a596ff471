import { randomUUID } from 'node:crypto';
import { AuthError } from './auth-error.ts';
import {
  accessTokenPolicy,
  MAX_TTL_SECONDS,
  type AccessTokenPolicy,
  type AccessTokenPolicyInput,
} from './access-token-policy.ts';
import { digestSecret, generateSecret, secretMatches } from './secret-digest.ts';
import {
  assertIpTrusted,
  normalizeTrustedIps,
  TRUST_EVERY_IP,
  type TrustedIp,
} from './trusted-ips.ts';

/**
 * Universal auth (reference §7): an identity gets a client ID and any number of client secrets;
 * `POST /api/v1/auth/universal-auth/login {clientId, clientSecret}` trades one for an access
 * token. Secrets are stored as digests, shown once, and may expire (`ttl`), be limited in uses
 * (`numUsesLimit`), be revoked, and be restricted to client IP ranges
 * (`clientSecretTrustedIps`, on the identity's configuration).
 *
 * @example
 *   const config = universalAuthConfig({ accessTokenTTL: 3600 });
 *   const { clientSecret, record } = createClientSecret({ now: Date.now(), ttl: 0 });
 *   verifyClientSecretLogin(config, [record], { clientSecret, clientIp, now: Date.now() });
 */
export interface UniversalAuthConfig extends AccessTokenPolicy {
  clientId: string;
  clientSecretTrustedIps: TrustedIp[];
}

export interface ClientSecretRecord {
  id: string;
  description: string;
  /** The first characters of the secret, so a person can tell secrets apart. */
  clientSecretPrefix: string;
  clientSecretDigest: string;
  /** Seconds the secret is valid after creation; 0 = no expiry. */
  clientSecretTTL: number;
  /** Logins allowed with this secret; 0 = unlimited. */
  clientSecretNumUsesLimit: number;
  clientSecretNumUses: number;
  isClientSecretRevoked: boolean;
  /** Epoch milliseconds. */
  createdAt: number;
}

const CLIENT_SECRET_PREFIX_LENGTH = 4;

export function universalAuthConfig(
  input: AccessTokenPolicyInput & {
    clientId?: string | undefined;
    clientSecretTrustedIps?: readonly { ipAddress: string }[] | undefined;
  } = {},
): UniversalAuthConfig {
  return {
    ...accessTokenPolicy(input),
    clientId: input.clientId ?? randomUUID(),
    clientSecretTrustedIps: normalizeTrustedIps(input.clientSecretTrustedIps ?? TRUST_EVERY_IP),
  };
}

export function createClientSecret(options: {
  now: number;
  description?: string;
  ttl?: number;
  numUsesLimit?: number;
}): { clientSecret: string; record: ClientSecretRecord } {
  const ttl = options.ttl ?? 0;
  const numUsesLimit = options.numUsesLimit ?? 0;
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > MAX_TTL_SECONDS) {
    throw new AuthError('INVALID_ARGUMENT', `ttl must be an integer from 0 to ${MAX_TTL_SECONDS}`);
  }
  if (!Number.isInteger(numUsesLimit) || numUsesLimit < 0) {
    throw new AuthError('INVALID_ARGUMENT', 'numUsesLimit must be a non-negative integer');
  }
  const clientSecret = generateSecret();
  return {
    clientSecret,
    record: {
      id: randomUUID(),
      description: options.description ?? '',
      clientSecretPrefix: clientSecret.slice(0, CLIENT_SECRET_PREFIX_LENGTH),
      clientSecretDigest: digestSecret(clientSecret),
      clientSecretTTL: ttl,
      clientSecretNumUsesLimit: numUsesLimit,
      clientSecretNumUses: 0,
      isClientSecretRevoked: false,
      createdAt: options.now,
    },
  };
}

/**
 * Finds the secret among the identity's secrets and checks that it may log in now from
 * `clientIp`. Returns the matching record; the store counts the use (and revokes the secret when
 * its limit is reached). Unknown, revoked, expired and used-up secrets all give the same 401
 * message, so a caller learns nothing about which secrets exist.
 */
export function verifyClientSecretLogin(
  config: UniversalAuthConfig,
  secrets: readonly ClientSecretRecord[],
  attempt: { clientSecret: string; clientIp: string; now: number },
): ClientSecretRecord {
  assertIpTrusted(
    attempt.clientIp,
    config.clientSecretTrustedIps,
    'client secret',
    'LOGIN_IP_NOT_TRUSTED',
  );
  const match = secrets.find((record) =>
    secretMatches(attempt.clientSecret, record.clientSecretDigest),
  );
  if (!match || !clientSecretUsable(match, attempt.now)) {
    throw new AuthError('INVALID_CREDENTIALS', 'invalid client ID or client secret');
  }
  return match;
}

/** True while a secret is not revoked, not expired and has uses left. */
export function clientSecretUsable(record: ClientSecretRecord, now: number): boolean {
  if (record.isClientSecretRevoked) return false;
  if (record.clientSecretTTL > 0 && now >= record.createdAt + record.clientSecretTTL * 1000) {
    return false;
  }
  return (
    record.clientSecretNumUsesLimit === 0 ||
    record.clientSecretNumUses < record.clientSecretNumUsesLimit
  );
}
