import type { AuthFlags } from './auth-flags.ts';

/** One command-line setting: its flag, value placeholder, environment variable and `--help` line. */
export interface LoginSetting {
  readonly flag: string;
  readonly value: string;
  readonly env: string;
  readonly help: string;
}

/**
 * The machine-identity login settings as relay and gateway `start` take them (reference §3.6,
 * §5.9), keyed like {@link AuthFlags}. The environment variables are the ones
 * {@link resolveAuthFromEnv} reads, so a program that passes its flags (with commander's
 * environment fallback) to it gets the same precedence.
 */
export const LOGIN_SETTINGS = {
  authMethod: {
    flag: '--auth-method',
    value: '<method>',
    env: 'INFISICAL_AUTH_METHOD',
    help: 'machine identity login method: universal-auth, token, kubernetes, aws-iam, gcp-id-token, gcp-iam, azure, oidc-auth or jwt-auth (default: token when a token is given, else universal-auth)',
  },
  token: {
    flag: '--token',
    value: '<token>',
    env: 'INFISICAL_TOKEN',
    help: 'machine identity access token (auth method "token")',
  },
  clientId: {
    flag: '--client-id',
    value: '<id>',
    env: 'INFISICAL_UNIVERSAL_AUTH_CLIENT_ID',
    help: 'universal auth client ID',
  },
  clientSecret: {
    flag: '--client-secret',
    value: '<secret>',
    env: 'INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET',
    help: 'universal auth client secret',
  },
  organizationSlug: {
    flag: '--organization-slug',
    value: '<slug>',
    env: 'INFISICAL_AUTH_ORGANIZATION_SLUG',
    help: 'organization to log in to (universal auth, optional)',
  },
  machineIdentityId: {
    flag: '--machine-identity-id',
    value: '<id>',
    env: 'INFISICAL_MACHINE_IDENTITY_ID',
    help: 'identity ID (kubernetes, aws-iam, gcp-id-token, gcp-iam, azure, oidc-auth, jwt-auth)',
  },
  serviceAccountTokenPath: {
    flag: '--service-account-token-path',
    value: '<path>',
    env: 'INFISICAL_KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH',
    help: 'kubernetes: service account token file (default /var/run/secrets/kubernetes.io/serviceaccount/token)',
  },
  serviceAccountKeyFilePath: {
    flag: '--service-account-key-file-path',
    value: '<path>',
    env: 'INFISICAL_GCP_IAM_SERVICE_ACCOUNT_KEY_FILE_PATH',
    help: 'gcp-iam: service account key file (JSON); also INFISICAL_GCP_SERVICE_ACCOUNT_KEY_FILE_PATH',
  },
  jwt: {
    flag: '--jwt',
    value: '<jwt>',
    env: 'INFISICAL_JWT',
    help: 'oidc-auth / jwt-auth: the JWT to log in with',
  },
} as const satisfies Record<keyof AuthFlags, LoginSetting>;
