/**
 * Which machine-identity login method to use and with what credential, resolved from flags and
 * the reference's environment variables (reference §7):
 *
 *   --auth-method   INFISICAL_AUTH_METHOD                    universal-auth | token (default:
 *                                                            token when a token is given, else
 *                                                            universal-auth)
 *   --token         INFISICAL_TOKEN (also INFISICAL_UNIVERSAL_AUTH_ACCESS_TOKEN, TOKEN)
 *   --client-id     INFISICAL_UNIVERSAL_AUTH_CLIENT_ID
 *   --client-secret INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET
 *   --organization-slug INFISICAL_AUTH_ORGANIZATION_SLUG
 *
 * Flags win over environment variables. The other methods of the reference (kubernetes, aws-iam,
 * gcp, azure, oidc, jwt) are refused with a clear message until they are built.
 */
export type LoginOptions =
  | { method: 'universal-auth'; clientId: string; clientSecret: string; organizationSlug?: string }
  | { method: 'token'; token: string };

export interface AuthFlags {
  authMethod?: string | undefined;
  token?: string | undefined;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  organizationSlug?: string | undefined;
}

export const SUPPORTED_AUTH_METHODS = ['universal-auth', 'token'] as const;
const KNOWN_NOT_YET_BUILT = [
  'kubernetes',
  'aws-iam',
  'gcp-id-token',
  'gcp-iam',
  'azure',
  'oidc-auth',
  'jwt-auth',
  'ldap-auth',
];

export class AuthConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthConfigError';
  }
}

export function resolveAuthFromEnv(
  flags: AuthFlags,
  env: NodeJS.ProcessEnv = process.env,
): LoginOptions {
  const pick = (...values: (string | undefined)[]): string | undefined =>
    values.find((v) => v !== undefined && v.trim() !== '')?.trim();
  const token = pick(
    flags.token,
    env.INFISICAL_TOKEN,
    env.INFISICAL_UNIVERSAL_AUTH_ACCESS_TOKEN,
    env.TOKEN,
  );
  const method =
    pick(flags.authMethod, env.INFISICAL_AUTH_METHOD) ?? (token ? 'token' : 'universal-auth');

  if (method === 'token' || method === 'token-auth') {
    if (!token)
      throw new AuthConfigError('token auth needs a token: set --token or INFISICAL_TOKEN');
    return { method: 'token', token };
  }
  if (method === 'universal-auth') {
    const clientId = pick(flags.clientId, env.INFISICAL_UNIVERSAL_AUTH_CLIENT_ID);
    const clientSecret = pick(flags.clientSecret, env.INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET);
    if (!clientId) {
      throw new AuthConfigError(
        'universal auth needs a client ID: set --client-id or INFISICAL_UNIVERSAL_AUTH_CLIENT_ID (or give a token with --token / INFISICAL_TOKEN)',
      );
    }
    if (!clientSecret) {
      throw new AuthConfigError(
        'universal auth needs a client secret: set --client-secret or INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET',
      );
    }
    const organizationSlug = pick(flags.organizationSlug, env.INFISICAL_AUTH_ORGANIZATION_SLUG);
    return {
      method: 'universal-auth',
      clientId,
      clientSecret,
      ...(organizationSlug ? { organizationSlug } : {}),
    };
  }
  if (KNOWN_NOT_YET_BUILT.includes(method)) {
    throw new AuthConfigError(
      `auth method ${method} is not built yet; use one of: ${SUPPORTED_AUTH_METHODS.join(', ')} (INFISICAL_AUTH_METHOD)`,
    );
  }
  throw new AuthConfigError(
    `unknown auth method ${JSON.stringify(method)}; use one of: ${SUPPORTED_AUTH_METHODS.join(', ')} (INFISICAL_AUTH_METHOD)`,
  );
}
