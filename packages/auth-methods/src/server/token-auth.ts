import {
  accessTokenPolicy,
  type AccessTokenPolicy,
  type AccessTokenPolicyInput,
} from './access-token-policy.ts';

/**
 * Token auth (reference §7): the identity's configuration is only an access-token policy; an
 * operator mints tokens directly (`POST /api/v1/auth/token-auth/identities/:id/tokens`) and the
 * client uses them as bearer tokens (`INFISICAL_TOKEN`). Tokens are issued and checked with
 * {@link issueAccessToken} / {@link verifyAccessTokenUse}.
 *
 * @example
 *   const config = tokenAuthConfig({ accessTokenTTL: 86400, accessTokenMaxTTL: 0 });
 */
export type TokenAuthConfig = AccessTokenPolicy;

export function tokenAuthConfig(input: AccessTokenPolicyInput = {}): TokenAuthConfig {
  return accessTokenPolicy(input);
}
