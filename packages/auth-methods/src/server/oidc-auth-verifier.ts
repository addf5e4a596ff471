import { AuthError } from './auth-error.ts';
import {
  accessTokenPolicy,
  type AccessTokenPolicy,
  type AccessTokenPolicyInput,
} from './access-token-policy.ts';
import { assertBoundClaims, splitList, type ClaimBindings } from './bound-claims.ts';
import {
  bindsSomeClaim,
  bindsSomething,
  refuseUnboundConfiguration,
  refuseUnboundLogin,
} from './login-binding.ts';
import type { JwksCache } from './jwks-cache.ts';
import { verifyJwt } from './jwt-verification.ts';
import {
  assertLoginIpTrusted,
  httpUrl,
  pemCertificates,
  type LoginAttempt,
  type VerifiedLogin,
} from './login-method-config.ts';
import { providerJson } from './provider-request.ts';

/**
 * OIDC auth, server side (reference §7; Infisical's identity-oidc-auth): the provider's discovery
 * document (`<oidcDiscoveryUrl>/.well-known/openid-configuration`, TLS with `caCert` pinned when
 * given) names its issuer and JWKS; the token must be signed by a key of that JWKS, carry that
 * issuer (and `boundIssuer`, if set), and satisfy `boundAudiences`, `boundSubject` and
 * `boundClaims`.
 *
 * @example
 *   const config = oidcAuthConfig({ oidcDiscoveryUrl: 'https://token.actions.githubusercontent.com',
 *     boundAudiences: 'burrow', boundClaims: { repository: 'acme/infra' } });
 *   await verifyOidcLogin(config, attempt, { jwks });
 */
export interface OidcAuthConfig extends AccessTokenPolicy {
  oidcDiscoveryUrl: string;
  caCert: string;
  boundIssuer: string;
  boundAudiences: string;
  boundClaims: Record<string, string>;
  boundSubject: string;
}

export type OidcAuthConfigInput = AccessTokenPolicyInput &
  Partial<Omit<OidcAuthConfig, keyof AccessTokenPolicy>> & { oidcDiscoveryUrl: string };

export function oidcAuthConfig(input: OidcAuthConfigInput): OidcAuthConfig {
  const config: OidcAuthConfig = {
    ...accessTokenPolicy(input),
    oidcDiscoveryUrl: httpUrl('oidcDiscoveryUrl', input.oidcDiscoveryUrl).replace(/\/+$/, ''),
    caCert: pemCertificates('caCert', input.caCert),
    boundIssuer: (input.boundIssuer ?? '').trim(),
    boundAudiences: splitList(input.boundAudiences).join(','),
    boundClaims: boundClaimsInput(input.boundClaims),
    boundSubject: (input.boundSubject ?? '').trim(),
  };
  refuseUnboundConfiguration('OIDC auth', claimsMissingBinding(config));
  return config;
}

/**
 * What OIDC and JWKS-based JWT configurations lack to bind a principal (login-binding.ts): a
 * bound subject, audience or claim. The issuer alone does not bind: a public issuer (GitHub
 * Actions, Google) signs tokens for everyone.
 */
export function claimsMissingBinding(bindings: ClaimBindings): string | undefined {
  return bindsSomething(bindings.boundSubject) ||
    bindsSomething(bindings.boundAudiences) ||
    bindsSomeClaim(bindings.boundClaims)
    ? undefined
    : 'boundSubject, boundAudiences or boundClaims';
}

/** Validates `boundClaims`: an object of claim name → comma-separated allowed values. */
export function boundClaimsInput(
  value: Record<string, string> | undefined,
): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, allowed] of Object.entries(value ?? {})) {
    if (typeof allowed !== 'string' || splitList(allowed).length === 0) {
      throw new AuthError('INVALID_ARGUMENT', `boundClaims.${name} must list at least one value`);
    }
    claims[name] = splitList(allowed).join(',');
  }
  return claims;
}

interface DiscoveryDocument {
  issuer?: unknown;
  jwks_uri?: unknown;
}

export async function verifyOidcLogin(
  config: OidcAuthConfig,
  attempt: LoginAttempt,
  deps: { jwks: JwksCache },
): Promise<VerifiedLogin> {
  assertLoginIpTrusted(config, attempt.clientIp);
  refuseUnboundLogin('OIDC auth', claimsMissingBinding(config));
  const what = 'the OIDC token';
  const caCert = config.caCert || undefined;
  const discovery = (await providerJson(
    'the OIDC discovery document',
    `${config.oidcDiscoveryUrl}/.well-known/openid-configuration`,
    { caCert },
  )) as DiscoveryDocument;
  if (typeof discovery.issuer !== 'string' || typeof discovery.jwks_uri !== 'string') {
    throw new AuthError(
      'PROVIDER_UNAVAILABLE',
      'the OIDC discovery document has no issuer or jwks_uri',
    );
  }
  const payload = await verifyJwt(
    attempt.jwt,
    deps.jwks.keyGetter(discovery.jwks_uri, caCert),
    { issuer: discovery.issuer, requiredClaims: ['exp'] },
    what,
  );
  assertBoundClaims(payload, config, what);
  return { subject: String(payload.sub ?? '') };
}
