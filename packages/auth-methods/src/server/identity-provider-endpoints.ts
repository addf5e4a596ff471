/**
 * Where the control plane finds the public keys of the cloud identity providers whose addresses
 * are not part of an identity's configuration (Google and Microsoft publish them at fixed URLs).
 * Overridable so tests and air-gapped mirrors can point them elsewhere:
 *
 *   BURROW_GCP_ID_TOKEN_JWKS_URL           Google ID token keys
 *                                          (default https://www.googleapis.com/oauth2/v3/certs)
 *   BURROW_GCP_SERVICE_ACCOUNT_JWKS_URL    public keys of a service account, `{email}` replaced
 *                                          (default https://www.googleapis.com/service_accounts/v1/metadata/jwk/{email})
 *   BURROW_AZURE_LOGIN_URL                 Microsoft Entra ID base; keys at <base>/<tenantId>/discovery/keys
 *                                          (default https://login.microsoftonline.com)
 */
export interface IdentityProviderEndpoints {
  gcpIdTokenJwksUrl: string;
  gcpServiceAccountJwksUrl: string;
  azureLoginUrl: string;
}

export const DEFAULT_IDENTITY_PROVIDER_ENDPOINTS: IdentityProviderEndpoints = {
  gcpIdTokenJwksUrl: 'https://www.googleapis.com/oauth2/v3/certs',
  gcpServiceAccountJwksUrl: 'https://www.googleapis.com/service_accounts/v1/metadata/jwk/{email}',
  azureLoginUrl: 'https://login.microsoftonline.com',
};

export function identityProviderEndpointsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): IdentityProviderEndpoints {
  const pick = (value: string | undefined, fallback: string): string =>
    value !== undefined && value.trim() !== '' ? value.trim() : fallback;
  const defaults = DEFAULT_IDENTITY_PROVIDER_ENDPOINTS;
  return {
    gcpIdTokenJwksUrl: pick(env.BURROW_GCP_ID_TOKEN_JWKS_URL, defaults.gcpIdTokenJwksUrl),
    gcpServiceAccountJwksUrl: pick(
      env.BURROW_GCP_SERVICE_ACCOUNT_JWKS_URL,
      defaults.gcpServiceAccountJwksUrl,
    ),
    azureLoginUrl: pick(env.BURROW_AZURE_LOGIN_URL, defaults.azureLoginUrl).replace(/\/+$/, ''),
  };
}
