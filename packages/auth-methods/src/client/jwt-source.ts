import { ConfigError } from '@burrow/observability';
import { pickSetting, type AuthFlags } from './auth-flags.ts';

/**
 * The JWT that OIDC auth and JWT auth present: `--jwt`, then `INFISICAL_JWT`, then the
 * deprecated `INFISICAL_OIDC_AUTH_JWT` (reference §7).
 */
export function jwtFromSettings(flags: AuthFlags, env: NodeJS.ProcessEnv, method: string): string {
  const jwt = pickSetting(flags.jwt, env.INFISICAL_JWT, env.INFISICAL_OIDC_AUTH_JWT);
  if (!jwt)
    throw new ConfigError(undefined, `${method} auth needs a JWT: set --jwt or INFISICAL_JWT`);
  return jwt;
}
