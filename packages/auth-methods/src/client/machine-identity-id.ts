import { ConfigError } from '@burrow/observability';
import { pickSetting, type AuthFlags } from './auth-flags.ts';

/**
 * The identity ID that every method except universal-auth and token sends with its login:
 * `--machine-identity-id`, then `INFISICAL_MACHINE_IDENTITY_ID`, then the reference SDK's
 * method-specific fallback (e.g. `INFISICAL_KUBERNETES_IDENTITY_ID`).
 *
 * @example
 *   machineIdentityId({}, { INFISICAL_MACHINE_IDENTITY_ID: id }, 'kubernetes', 'INFISICAL_KUBERNETES_IDENTITY_ID');
 */
export function machineIdentityId(
  flags: AuthFlags,
  env: NodeJS.ProcessEnv,
  method: string,
  sdkFallbackEnv?: string,
): string {
  const id = pickSetting(
    flags.machineIdentityId,
    env.INFISICAL_MACHINE_IDENTITY_ID,
    sdkFallbackEnv ? env[sdkFallbackEnv] : undefined,
  );
  if (!id) {
    throw new ConfigError(
      undefined,
      `${method} auth needs the machine identity ID: set --machine-identity-id or INFISICAL_MACHINE_IDENTITY_ID`,
    );
  }
  return id;
}
