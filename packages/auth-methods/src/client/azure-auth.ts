import { routes } from '@burrow/platform-api';
import { pickSetting, type AuthFlags } from './auth-flags.ts';
import { fetchCredentialJson, type LoginRequest } from './login-request.ts';
import { machineIdentityId } from './machine-identity-id.ts';

/**
 * Azure auth, client side (reference §7): on an Azure VM, App Service or AKS pod with a managed
 * identity, the Instance Metadata Service issues an Entra ID access token for a resource; the
 * control plane verifies it against the tenant's JWKS.
 *
 *   --machine-identity-id  INFISICAL_MACHINE_IDENTITY_ID (or INFISICAL_AZURE_AUTH_IDENTITY_ID)
 *   BURROW_AZURE_IMDS_URL  IMDS base URL (default http://169.254.169.254)
 *   BURROW_AZURE_RESOURCE  resource the token is for (default https://management.azure.com/,
 *                          the reference's; must match the identity's configured resource)
 *
 *   GET <imds>/metadata/identity/oauth2/token?api-version=2018-02-01&resource=<resource>
 *       (Metadata: true)
 *   POST /v1/auth/azure-auth/login {identityId, jwt}
 */
export interface AzureLogin {
  method: 'azure';
  identityId: string;
  imdsUrl: string;
  resource: string;
}

export const DEFAULT_AZURE_IMDS_URL = 'http://169.254.169.254';
export const DEFAULT_AZURE_RESOURCE = 'https://management.azure.com/';

export function resolveAzureLogin(flags: AuthFlags, env: NodeJS.ProcessEnv): AzureLogin {
  return {
    method: 'azure',
    identityId: machineIdentityId(flags, env, 'azure', 'INFISICAL_AZURE_AUTH_IDENTITY_ID'),
    imdsUrl: (pickSetting(env.BURROW_AZURE_IMDS_URL) ?? DEFAULT_AZURE_IMDS_URL).replace(/\/+$/, ''),
    resource: pickSetting(env.BURROW_AZURE_RESOURCE) ?? DEFAULT_AZURE_RESOURCE,
  };
}

export async function azureLoginRequest(options: AzureLogin): Promise<LoginRequest> {
  const url = new URL(`${options.imdsUrl}/metadata/identity/oauth2/token`);
  url.searchParams.set('api-version', '2018-02-01');
  url.searchParams.set('resource', options.resource);
  const answer = (await fetchCredentialJson(
    'the Azure Instance Metadata Service (BURROW_AZURE_IMDS_URL)',
    url.toString(),
    { headers: { metadata: 'true' } },
  )) as { access_token?: unknown };
  if (typeof answer.access_token !== 'string') {
    throw new Error('the Azure Instance Metadata Service answered without access_token');
  }
  return {
    route: routes.azureAuthLogin,
    body: { identityId: options.identityId, jwt: answer.access_token },
  };
}
