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
import { unverifiedClaims, verifyJwt } from './jwt-verification.ts';
import {
  assertLoginIpTrusted,
  type LoginAttempt,
  type VerifiedLogin,
} from './login-method-config.ts';

/**
 * GCP auth, server side (reference §7; Infisical's identity-gcp-auth), one configuration with a
 * `type`:
 *
 * - `gce` (client method gcp-id-token): a Google-signed ID token from the metadata server,
 *   verified against Google's JWKS with issuer accounts.google.com and audience = identity ID;
 *   then `email` ∈ allowedServiceAccounts, `google.compute_engine.project_id` ∈ allowedProjects,
 *   `zone` ∈ allowedZones.
 * - `iam` (client method gcp-iam): a JWT the IAM Credentials API signed with the service
 *   account's Google-managed key; verified against that service account's public keys, audience =
 *   identity ID, `sub` ∈ allowedServiceAccounts. Such JWTs must expire within
 *   {@link MAX_IAM_JWT_LIFETIME_SECONDS}.
 *
 * @example
 *   const config = gcpAuthConfig({ type: 'gce', allowedServiceAccounts: 'gw@proj.iam.gserviceaccount.com' });
 *   await verifyGcpLogin(config, attempt, { jwks, endpoints });
 */
export interface GcpAuthConfig extends AccessTokenPolicy {
  type: 'gce' | 'iam';
  /** Comma-separated service account emails; '' = any (then gce needs allowedProjects). */
  allowedServiceAccounts: string;
  /** Comma-separated project IDs (gce only); '' = any (then allowedServiceAccounts is needed). */
  allowedProjects: string;
  /** Comma-separated zones (gce only); '' = any. Not a binding on its own: anyone can run a VM in any zone. */
  allowedZones: string;
}

export type GcpAuthConfigInput = AccessTokenPolicyInput &
  Partial<Omit<GcpAuthConfig, keyof AccessTokenPolicy | 'type'>> & { type: string };

export const GOOGLE_ISSUERS = ['https://accounts.google.com', 'accounts.google.com'];
export const MAX_IAM_JWT_LIFETIME_SECONDS = 3600;

export function gcpAuthConfig(input: GcpAuthConfigInput): GcpAuthConfig {
  if (input.type !== 'gce' && input.type !== 'iam') {
    throw new AuthError('INVALID_ARGUMENT', 'type must be "gce" or "iam"');
  }
  const config: GcpAuthConfig = {
    ...accessTokenPolicy(input),
    type: input.type,
    allowedServiceAccounts: splitList(input.allowedServiceAccounts).join(','),
    allowedProjects: splitList(input.allowedProjects).join(','),
    allowedZones: splitList(input.allowedZones).join(','),
  };
  refuseUnboundConfiguration('GCP auth', gcpMissingBinding(config));
  return config;
}

/**
 * What a GCP configuration lacks to bind a principal (login-binding.ts): `gce` needs allowed
 * service accounts or projects (a zone alone binds no owner), `iam` allowed service accounts.
 */
export function gcpMissingBinding(config: GcpAuthConfig): string | undefined {
  if (bindsSomething(config.allowedServiceAccounts)) return undefined;
  if (config.type === 'gce') {
    return bindsSomething(config.allowedProjects)
      ? undefined
      : 'allowedServiceAccounts or allowedProjects';
  }
  return 'allowedServiceAccounts';
}

export interface GcpVerifierDeps {
  jwks: JwksCache;
  endpoints: IdentityProviderEndpoints;
}

export async function verifyGcpLogin(
  config: GcpAuthConfig,
  attempt: LoginAttempt,
  deps: GcpVerifierDeps,
): Promise<VerifiedLogin> {
  assertLoginIpTrusted(config, attempt.clientIp);
  refuseUnboundLogin('GCP auth', gcpMissingBinding(config));
  return config.type === 'gce'
    ? verifyIdToken(config, attempt, deps)
    : verifyIamJwt(config, attempt, deps);
}

async function verifyIdToken(
  config: GcpAuthConfig,
  attempt: LoginAttempt,
  deps: GcpVerifierDeps,
): Promise<VerifiedLogin> {
  const what = 'the Google ID token';
  const payload = await verifyJwt(
    attempt.jwt,
    deps.jwks.keyGetter(deps.endpoints.gcpIdTokenJwksUrl),
    { issuer: GOOGLE_ISSUERS, audience: attempt.identityId, requiredClaims: ['exp', 'email'] },
    what,
  );
  const email = String(payload.email);
  assertListed(config.allowedServiceAccounts, email, `service account ${email}`);
  const engine = (
    payload.google as { compute_engine?: { project_id?: string; zone?: string } } | undefined
  )?.compute_engine;
  if (splitList(config.allowedProjects).length > 0) {
    assertListed(
      config.allowedProjects,
      engine?.project_id ?? '',
      `project "${engine?.project_id ?? '(none)'}"`,
    );
  }
  if (splitList(config.allowedZones).length > 0) {
    assertListed(config.allowedZones, engine?.zone ?? '', `zone "${engine?.zone ?? '(none)'}"`);
  }
  return { subject: email };
}

async function verifyIamJwt(
  config: GcpAuthConfig,
  attempt: LoginAttempt,
  deps: GcpVerifierDeps,
): Promise<VerifiedLogin> {
  const what = 'the GCP IAM-signed JWT';
  const email = String(unverifiedClaims(attempt.jwt, what).sub ?? '');
  if (!/^[^@\s/]+@[^@\s/]+$/.test(email)) {
    throw new AuthError('INVALID_CREDENTIALS', `${what} has no service account email as subject`);
  }
  // Checked before any key is fetched, so unlisted accounts cost no request to Google.
  assertListed(config.allowedServiceAccounts, email, `service account ${email}`);
  const jwksUrl = deps.endpoints.gcpServiceAccountJwksUrl.replace(
    '{email}',
    encodeURIComponent(email),
  );
  const payload = await verifyJwt(
    attempt.jwt,
    deps.jwks.keyGetter(jwksUrl),
    { audience: attempt.identityId, subject: email, requiredClaims: ['exp'] },
    what,
  );
  const now = Math.floor(Date.now() / 1000);
  if ((payload.exp ?? 0) > now + MAX_IAM_JWT_LIFETIME_SECONDS) {
    throw new AuthError(
      'INVALID_CREDENTIALS',
      `${what} is valid for longer than ${MAX_IAM_JWT_LIFETIME_SECONDS} s`,
    );
  }
  return { subject: email };
}

function assertListed(list: string, value: string, what: string): void {
  const allowed = splitList(list);
  if (allowed.length > 0 && !allowed.includes(value)) {
    throw new AuthError('NOT_BOUND', `${what} is not allowed`);
  }
}
