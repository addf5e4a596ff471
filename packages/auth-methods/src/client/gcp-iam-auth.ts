import { routes } from '@burrow/platform-api';
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { SignJWT } from 'jose';
import { ConfigError } from '@burrow/observability';
import { pickSetting, type AuthFlags } from './auth-flags.ts';
import { fetchCredentialJson, type LoginRequest } from './login-request.ts';
import { machineIdentityId } from './machine-identity-id.ts';

/**
 * GCP IAM auth, client side (reference §7): with a service account key file, the client gets an
 * OAuth access token for the service account (JWT-bearer grant at the key file's `token_uri`),
 * then asks the IAM Credentials API to sign `{sub: <client_email>, aud: <identityId>, exp}` with
 * the service account's Google-managed key (`signJwt`). The control plane verifies that JWT
 * against the service account's public keys.
 *
 *   --machine-identity-id            INFISICAL_MACHINE_IDENTITY_ID (or INFISICAL_GCP_AUTH_IDENTITY_ID)
 *   --service-account-key-file-path  INFISICAL_GCP_IAM_SERVICE_ACCOUNT_KEY_FILE_PATH
 *                                    (also INFISICAL_GCP_SERVICE_ACCOUNT_KEY_FILE_PATH)
 *   BURROW_GCP_IAM_CREDENTIALS_URL   IAM Credentials API base URL
 *                                    (default https://iamcredentials.googleapis.com)
 *
 *   POST /v1/auth/gcp-auth/login {identityId, jwt}
 */
export interface GcpIamLogin {
  method: 'gcp-iam';
  identityId: string;
  serviceAccountKeyFilePath: string;
  iamCredentialsUrl: string;
}

export const DEFAULT_GCP_IAM_CREDENTIALS_URL = 'https://iamcredentials.googleapis.com';
/** How long the signed login JWT is valid (the reference SDK uses 15 minutes). */
const LOGIN_JWT_LIFETIME_SECONDS = 900;
const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

export function resolveGcpIamLogin(flags: AuthFlags, env: NodeJS.ProcessEnv): GcpIamLogin {
  const serviceAccountKeyFilePath = pickSetting(
    flags.serviceAccountKeyFilePath,
    env.INFISICAL_GCP_IAM_SERVICE_ACCOUNT_KEY_FILE_PATH,
    env.INFISICAL_GCP_SERVICE_ACCOUNT_KEY_FILE_PATH,
  );
  if (!serviceAccountKeyFilePath) {
    throw new ConfigError(
      undefined,
      'gcp-iam auth needs a service account key file: set --service-account-key-file-path or INFISICAL_GCP_IAM_SERVICE_ACCOUNT_KEY_FILE_PATH',
    );
  }
  return {
    method: 'gcp-iam',
    identityId: machineIdentityId(flags, env, 'gcp-iam', 'INFISICAL_GCP_AUTH_IDENTITY_ID'),
    serviceAccountKeyFilePath,
    iamCredentialsUrl: (
      pickSetting(env.BURROW_GCP_IAM_CREDENTIALS_URL) ?? DEFAULT_GCP_IAM_CREDENTIALS_URL
    ).replace(/\/+$/, ''),
  };
}

interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri: string;
}

async function readServiceAccountKey(file: string): Promise<ServiceAccountKey> {
  let parsed: Partial<ServiceAccountKey>;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<ServiceAccountKey>;
  } catch (error) {
    throw new ConfigError(
      undefined,
      `cannot read the GCP service account key file ${file} (--service-account-key-file-path): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  for (const field of ['client_email', 'private_key', 'token_uri'] as const) {
    if (typeof parsed[field] !== 'string' || parsed[field] === '') {
      throw new ConfigError(undefined, `the GCP service account key file ${file} has no ${field}`);
    }
  }
  return parsed as ServiceAccountKey;
}

export async function gcpIamLoginRequest(options: GcpIamLogin): Promise<LoginRequest> {
  const key = await readServiceAccountKey(options.serviceAccountKeyFilePath);
  const now = Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({ scope: CLOUD_PLATFORM_SCOPE })
    .setProtectedHeader({
      alg: 'RS256',
      typ: 'JWT',
      ...(key.private_key_id ? { kid: key.private_key_id } : {}),
    })
    .setIssuer(key.client_email)
    .setAudience(key.token_uri)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(createPrivateKey(key.private_key));
  const token = (await fetchCredentialJson('the GCP OAuth token endpoint', key.token_uri, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion,
    }).toString(),
  })) as { access_token?: unknown };
  if (typeof token.access_token !== 'string') {
    throw new Error('the GCP OAuth token endpoint answered without access_token');
  }
  const signed = (await fetchCredentialJson(
    'the GCP IAM Credentials API (signJwt)',
    `${options.iamCredentialsUrl}/v1/projects/-/serviceAccounts/${encodeURIComponent(key.client_email)}:signJwt`,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token.access_token}`,
      },
      body: JSON.stringify({
        payload: JSON.stringify({
          sub: key.client_email,
          aud: options.identityId,
          iat: now,
          exp: now + LOGIN_JWT_LIFETIME_SECONDS,
        }),
      }),
    },
  )) as { signedJwt?: unknown };
  if (typeof signed.signedJwt !== 'string') {
    throw new Error('the GCP IAM Credentials API answered signJwt without signedJwt');
  }
  return {
    route: routes.gcpAuthLogin,
    body: { identityId: options.identityId, jwt: signed.signedJwt },
  };
}
