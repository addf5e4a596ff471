import { ConfigError } from '@burrow/observability';
import { pickSetting, type AuthFlags } from './auth-flags.ts';
import { resolveAwsIamLogin, type AwsIamLogin } from './aws-iam-auth.ts';
import { resolveAzureLogin, type AzureLogin } from './azure-auth.ts';
import { resolveGcpIamLogin, type GcpIamLogin } from './gcp-iam-auth.ts';
import { resolveGcpIdTokenLogin, type GcpIdTokenLogin } from './gcp-id-token-auth.ts';
import { resolveJwtLogin, type JwtLogin } from './jwt-auth.ts';
import { resolveKubernetesLogin, type KubernetesLogin } from './kubernetes-auth.ts';
import { resolveOidcLogin, type OidcLogin } from './oidc-auth.ts';

/**
 * Which machine-identity login method to use and with what credential, resolved from flags and
 * the reference's environment variables (reference §7). Flags win over environment variables.
 *
 *   --auth-method   INFISICAL_AUTH_METHOD   one of {@link SUPPORTED_AUTH_METHODS} (default: token
 *                                           when a token is given, else universal-auth)
 *   universal-auth  --client-id INFISICAL_UNIVERSAL_AUTH_CLIENT_ID,
 *                   --client-secret INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET,
 *                   --organization-slug INFISICAL_AUTH_ORGANIZATION_SLUG
 *   token           --token INFISICAL_TOKEN (also INFISICAL_UNIVERSAL_AUTH_ACCESS_TOKEN, TOKEN)
 *   the others      --machine-identity-id INFISICAL_MACHINE_IDENTITY_ID plus the method's own
 *                   source: see kubernetes-auth.ts, aws-iam-auth.ts, gcp-id-token-auth.ts,
 *                   gcp-iam-auth.ts, azure-auth.ts, oidc-auth.ts, jwt-auth.ts
 *
 * @example
 *   const options = resolveAuthFromEnv({ authMethod: 'kubernetes' }, process.env);
 */
export type LoginOptions =
  | { method: 'universal-auth'; clientId: string; clientSecret: string; organizationSlug?: string }
  | { method: 'token'; token: string }
  | KubernetesLogin
  | AwsIamLogin
  | GcpIdTokenLogin
  | GcpIamLogin
  | AzureLogin
  | OidcLogin
  | JwtLogin;

export type AuthMethodName = LoginOptions['method'];

export const SUPPORTED_AUTH_METHODS = [
  'universal-auth',
  'token',
  'kubernetes',
  'aws-iam',
  'gcp-id-token',
  'gcp-iam',
  'azure',
  'oidc-auth',
  'jwt-auth',
] as const satisfies readonly AuthMethodName[];

/** Methods of the reference that Burrow does not build (LDAP needs a directory; OCI is SDK-only). */
const KNOWN_NOT_BUILT = ['ldap-auth', 'oci-auth'];

const RESOLVERS: Record<
  Exclude<AuthMethodName, 'universal-auth' | 'token'>,
  (flags: AuthFlags, env: NodeJS.ProcessEnv) => LoginOptions
> = {
  kubernetes: resolveKubernetesLogin,
  'aws-iam': resolveAwsIamLogin,
  'gcp-id-token': resolveGcpIdTokenLogin,
  'gcp-iam': resolveGcpIamLogin,
  azure: resolveAzureLogin,
  'oidc-auth': resolveOidcLogin,
  'jwt-auth': resolveJwtLogin,
};

export function resolveAuthFromEnv(
  flags: AuthFlags,
  env: NodeJS.ProcessEnv = process.env,
): LoginOptions {
  const token = pickSetting(
    flags.token,
    env.INFISICAL_TOKEN,
    env.INFISICAL_UNIVERSAL_AUTH_ACCESS_TOKEN,
    env.TOKEN,
  );
  const method =
    pickSetting(flags.authMethod, env.INFISICAL_AUTH_METHOD) ??
    (token ? 'token' : 'universal-auth');

  if (method === 'token' || method === 'token-auth') {
    if (!token)
      throw new ConfigError(undefined, 'token auth needs a token: set --token or INFISICAL_TOKEN');
    return { method: 'token', token };
  }
  if (method === 'universal-auth') {
    const clientId = pickSetting(flags.clientId, env.INFISICAL_UNIVERSAL_AUTH_CLIENT_ID);
    const clientSecret = pickSetting(
      flags.clientSecret,
      env.INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET,
    );
    if (!clientId) {
      throw new ConfigError(
        undefined,
        'universal auth needs a client ID: set --client-id or INFISICAL_UNIVERSAL_AUTH_CLIENT_ID (or give a token with --token / INFISICAL_TOKEN)',
      );
    }
    if (!clientSecret) {
      throw new ConfigError(
        undefined,
        'universal auth needs a client secret: set --client-secret or INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET',
      );
    }
    const organizationSlug = pickSetting(
      flags.organizationSlug,
      env.INFISICAL_AUTH_ORGANIZATION_SLUG,
    );
    return {
      method: 'universal-auth',
      clientId,
      clientSecret,
      ...(organizationSlug ? { organizationSlug } : {}),
    };
  }
  const resolver = RESOLVERS[method as keyof typeof RESOLVERS];
  if (resolver) return resolver(flags, env);
  if (KNOWN_NOT_BUILT.includes(method)) {
    throw new ConfigError(
      undefined,
      `auth method ${method} is not built in Burrow; use one of: ${SUPPORTED_AUTH_METHODS.join(', ')} (INFISICAL_AUTH_METHOD)`,
    );
  }
  throw new ConfigError(
    undefined,
    `unknown auth method ${JSON.stringify(method)}; use one of: ${SUPPORTED_AUTH_METHODS.join(', ')} (INFISICAL_AUTH_METHOD)`,
  );
}
