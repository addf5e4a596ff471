import { createPublicKey, type KeyObject } from 'node:crypto';
import { AuthError } from './auth-error.ts';
import {
  accessTokenPolicy,
  type AccessTokenPolicy,
  type AccessTokenPolicyInput,
} from './access-token-policy.ts';
import { assertBoundClaims, splitList } from './bound-claims.ts';
import type { JwksCache } from './jwks-cache.ts';
import { verifyJwt } from './jwt-verification.ts';
import {
  assertLoginIpTrusted,
  httpUrl,
  pemCertificates,
  type LoginAttempt,
  type VerifiedLogin,
} from './login-method-config.ts';
import { refuseUnboundConfiguration, refuseUnboundLogin } from './login-binding.ts';
import { boundClaimsInput, claimsMissingBinding } from './oidc-auth-verifier.ts';

/**
 * JWT auth, server side (reference §7; Infisical's identity-jwt-auth): the token must be signed
 * by one of the configured `publicKeys` (PEM, `configurationType: "static"`) or by a key of the
 * JWKS at `jwksUrl` (`configurationType: "jwks"`, TLS with `jwksCaCert` pinned when given), be
 * unexpired, and satisfy `boundIssuer`, `boundAudiences`, `boundSubject` and `boundClaims`.
 *
 * @example
 *   const config = jwtAuthConfig({ configurationType: 'static', publicKeys: [pem], boundClaims: { role: 'gateway' } });
 *   await verifyJwtLogin(config, attempt, { jwks });
 */
export interface JwtAuthConfig extends AccessTokenPolicy {
  configurationType: 'jwks' | 'static';
  jwksUrl: string;
  jwksCaCert: string;
  publicKeys: string[];
  boundIssuer: string;
  boundAudiences: string;
  boundClaims: Record<string, string>;
  boundSubject: string;
}

export type JwtAuthConfigInput = AccessTokenPolicyInput &
  Partial<Omit<JwtAuthConfig, keyof AccessTokenPolicy | 'configurationType'>> & {
    configurationType: string;
  };

export function jwtAuthConfig(input: JwtAuthConfigInput): JwtAuthConfig {
  const type = input.configurationType;
  if (type !== 'jwks' && type !== 'static') {
    throw new AuthError('INVALID_ARGUMENT', 'configurationType must be "jwks" or "static"');
  }
  const publicKeys = (input.publicKeys ?? []).map((pem) => pem.trim()).filter((pem) => pem !== '');
  if (type === 'static') {
    if (publicKeys.length === 0) {
      throw new AuthError('INVALID_ARGUMENT', 'publicKeys must list at least one PEM public key');
    }
    publicKeys.forEach((pem, index) => publicKey(pem, index));
  } else if (!input.jwksUrl) {
    throw new AuthError('INVALID_ARGUMENT', 'jwksUrl is required with configurationType "jwks"');
  }
  const config: JwtAuthConfig = {
    ...accessTokenPolicy(input),
    configurationType: type,
    jwksUrl: type === 'jwks' ? httpUrl('jwksUrl', input.jwksUrl ?? '') : '',
    jwksCaCert: pemCertificates('jwksCaCert', input.jwksCaCert),
    publicKeys: type === 'static' ? publicKeys : [],
    boundIssuer: (input.boundIssuer ?? '').trim(),
    boundAudiences: splitList(input.boundAudiences).join(','),
    boundClaims: boundClaimsInput(input.boundClaims),
    boundSubject: (input.boundSubject ?? '').trim(),
  };
  refuseUnboundConfiguration('JWT auth', jwtMissingBinding(config));
  return config;
}

/**
 * What a JWT configuration lacks to bind a principal (login-binding.ts). With `static` keys the
 * admin pasted the keys of a signer they trust for this identity: the keys are the binding. With
 * `jwks` the key set may be a public provider's, so a bound subject, audience or claim is needed.
 */
export function jwtMissingBinding(config: JwtAuthConfig): string | undefined {
  return config.configurationType === 'static' ? undefined : claimsMissingBinding(config);
}

function publicKey(pem: string, index: number): KeyObject {
  try {
    return createPublicKey(pem);
  } catch {
    throw new AuthError('INVALID_ARGUMENT', `publicKeys[${index}] is not a PEM public key`);
  }
}

export async function verifyJwtLogin(
  config: JwtAuthConfig,
  attempt: LoginAttempt,
  deps: { jwks: JwksCache },
): Promise<VerifiedLogin> {
  assertLoginIpTrusted(config, attempt.clientIp);
  refuseUnboundLogin('JWT auth', jwtMissingBinding(config));
  const what = 'the JWT';
  const payload = await verifyJwt(
    attempt.jwt,
    config.configurationType === 'jwks'
      ? deps.jwks.keyGetter(config.jwksUrl, config.jwksCaCert || undefined)
      : config.publicKeys.map((pem, index) => publicKey(pem, index)),
    { requiredClaims: ['exp'] },
    what,
  );
  assertBoundClaims(payload, config, what);
  return { subject: String(payload.sub ?? '') };
}
