import { AuthError } from './auth-error.ts';
import { normalizeTrustedIps, TRUST_EVERY_IP, type TrustedIp } from './trusted-ips.ts';

/**
 * How long access tokens of an identity's login method live and where they may be used from
 * (the fields of Infisical's universal-auth and token-auth configurations). Times are seconds;
 * 0 means "no limit" for the TTLs and the use limit, as in the reference API.
 *
 * @example
 *   const policy = accessTokenPolicy({ accessTokenTTL: 3600 }); // max TTL defaults to 30 days
 */
export interface AccessTokenPolicy {
  accessTokenTTL: number;
  accessTokenMaxTTL: number;
  accessTokenNumUsesLimit: number;
  accessTokenTrustedIps: TrustedIp[];
}

/** The reference's defaults: 30 days TTL and max TTL, unlimited uses, every address. */
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 2_592_000;
export const DEFAULT_ACCESS_TOKEN_MAX_TTL_SECONDS = 2_592_000;

/** Upper bound for any TTL (10 years): larger values are typos, not policies. */
export const MAX_TTL_SECONDS = 315_360_000;

/** What callers may give: every field optional, trusted IPs as plain `{ipAddress}` entries. */
export type AccessTokenPolicyInput = Partial<Omit<AccessTokenPolicy, 'accessTokenTrustedIps'>> & {
  accessTokenTrustedIps?: readonly { ipAddress: string }[] | undefined;
};

/** Fills defaults and checks the combination; throws INVALID_ARGUMENT with the reason. */
export function accessTokenPolicy(input: AccessTokenPolicyInput = {}): AccessTokenPolicy {
  const accessTokenTTL = input.accessTokenTTL ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS;
  const accessTokenMaxTTL = input.accessTokenMaxTTL ?? DEFAULT_ACCESS_TOKEN_MAX_TTL_SECONDS;
  const accessTokenNumUsesLimit = input.accessTokenNumUsesLimit ?? 0;
  for (const [name, value] of Object.entries({
    accessTokenTTL,
    accessTokenMaxTTL,
    accessTokenNumUsesLimit,
  })) {
    if (!Number.isInteger(value) || value < 0) {
      throw new AuthError('INVALID_ARGUMENT', `${name} must be a non-negative integer`);
    }
  }
  if (accessTokenTTL > MAX_TTL_SECONDS || accessTokenMaxTTL > MAX_TTL_SECONDS) {
    throw new AuthError('INVALID_ARGUMENT', `TTLs may not exceed ${MAX_TTL_SECONDS} seconds`);
  }
  if (accessTokenMaxTTL > 0 && accessTokenTTL > accessTokenMaxTTL) {
    throw new AuthError('INVALID_ARGUMENT', 'accessTokenTTL may not exceed accessTokenMaxTTL');
  }
  return {
    accessTokenTTL,
    accessTokenMaxTTL,
    accessTokenNumUsesLimit,
    accessTokenTrustedIps: normalizeTrustedIps(input.accessTokenTrustedIps ?? TRUST_EVERY_IP),
  };
}
