import { AuthError } from './auth-error.ts';
import {
  accessTokenPolicy,
  type AccessTokenPolicy,
  type AccessTokenPolicyInput,
} from './access-token-policy.ts';
import { splitList } from './bound-claims.ts';
import { bindsSomething, refuseUnboundConfiguration, refuseUnboundLogin } from './login-binding.ts';
import type { IdentityProviderEndpoints } from './identity-provider-endpoints.ts';
import type { JwksCache } from './jwks-cache.ts';
import { verifyJwt } from './jwt-verification.ts';
import {
  assertLoginIpTrusted,
  type LoginAttempt,
  type VerifiedLogin,
} from './login-method-config.ts';

/**
 * Azure auth, server side (reference §7; Infisical's identity-azure-auth): a managed identity's
 * Entra ID access token, verified against the tenant's JWKS
 * (`<login>/<tenantId>/discovery/keys`), issuer `https://sts.windows.net/<tenantId>/`, audience =
 * the configured `resource` (with or without trailing slash), `tid` = tenant; then the token's
 * `oid` (the service principal) must be in `allowedServicePrincipalIds`.
 *
 * @example
 *   const config = azureAuthConfig({ tenantId, resource: 'https://management.azure.com/', allowedServicePrincipalIds: oid });
 *   await verifyAzureLogin(config, attempt, { jwks, endpoints });
 */
export interface AzureAuthConfig extends AccessTokenPolicy {
  tenantId: string;
  resource: string;
  /** Comma-separated object IDs of service principals; required (login-binding.ts). */
  allowedServicePrincipalIds: string;
}

export type AzureAuthConfigInput = AccessTokenPolicyInput &
  Partial<Omit<AzureAuthConfig, keyof AccessTokenPolicy>> & { tenantId: string };

export const DEFAULT_AZURE_AUTH_RESOURCE = 'https://management.azure.com/';

export function azureAuthConfig(input: AzureAuthConfigInput): AzureAuthConfig {
  const tenantId = input.tenantId.trim();
  if (!/^[A-Za-z0-9.-]{1,128}$/.test(tenantId)) {
    throw new AuthError('INVALID_ARGUMENT', 'tenantId must be a tenant ID (GUID) or domain');
  }
  const config: AzureAuthConfig = {
    ...accessTokenPolicy(input),
    tenantId,
    resource: (input.resource ?? '').trim() || DEFAULT_AZURE_AUTH_RESOURCE,
    allowedServicePrincipalIds: splitList(input.allowedServicePrincipalIds).join(','),
  };
  refuseUnboundConfiguration('Azure auth', azureMissingBinding(config));
  return config;
}

/**
 * What an Azure configuration lacks to bind a principal (login-binding.ts): the tenant alone
 * admits every managed identity in it, whoever runs it.
 */
export function azureMissingBinding(config: AzureAuthConfig): string | undefined {
  return bindsSomething(config.allowedServicePrincipalIds)
    ? undefined
    : 'allowedServicePrincipalIds';
}

export async function verifyAzureLogin(
  config: AzureAuthConfig,
  attempt: LoginAttempt,
  deps: { jwks: JwksCache; endpoints: IdentityProviderEndpoints },
): Promise<VerifiedLogin> {
  assertLoginIpTrusted(config, attempt.clientIp);
  refuseUnboundLogin('Azure auth', azureMissingBinding(config));
  const what = 'the Azure managed identity token';
  const resource = config.resource.replace(/\/+$/, '');
  const payload = await verifyJwt(
    attempt.jwt,
    deps.jwks.keyGetter(
      `${deps.endpoints.azureLoginUrl}/${encodeURIComponent(config.tenantId)}/discovery/keys`,
    ),
    {
      issuer: `https://sts.windows.net/${config.tenantId}/`,
      audience: [resource, `${resource}/`],
      requiredClaims: ['exp', 'oid'],
    },
    what,
  );
  if (payload.tid !== undefined && payload.tid !== config.tenantId) {
    throw new AuthError('NOT_BOUND', `${what} belongs to another tenant`);
  }
  const oid = String(payload.oid);
  const allowed = splitList(config.allowedServicePrincipalIds);
  if (allowed.length > 0 && !allowed.includes(oid)) {
    throw new AuthError('NOT_BOUND', `service principal ${oid} is not allowed`);
  }
  return { subject: oid };
}
