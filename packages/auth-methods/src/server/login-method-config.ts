import { X509Certificate } from 'node:crypto';
import { AuthError } from './auth-error.ts';
import type { AccessTokenPolicy } from './access-token-policy.ts';
import { assertIpTrusted } from './trusted-ips.ts';

/**
 * Pieces every identity-based login method shares (kubernetes, aws, gcp, azure, oidc, jwt): the
 * login attempt, the IP check against the identity's `accessTokenTrustedIps` (done before any
 * identity provider is asked), and validation of URLs and pinned CA certificates in a method's
 * configuration.
 */
export interface LoginAttempt {
  /** The identity the caller claims to be (from the login body). */
  identityId: string;
  /** The credential the client presented (a JWT for every method but aws-iam). */
  jwt: string;
  clientIp: string;
}

/** What a verifier learned about the caller, for the log (never a credential). */
export interface VerifiedLogin {
  subject: string;
}

export function assertLoginIpTrusted(policy: AccessTokenPolicy, clientIp: string): void {
  assertIpTrusted(clientIp, policy.accessTokenTrustedIps, 'login', 'LOGIN_IP_NOT_TRUSTED');
}

/** An http(s) URL, normalised; INVALID_ARGUMENT naming the field otherwise. */
export function httpUrl(
  field: string,
  value: string,
  options: { httpsOnly?: boolean } = {},
): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AuthError('INVALID_ARGUMENT', `${field} must be a URL`);
  }
  const allowed = options.httpsOnly ? ['https:'] : ['https:', 'http:'];
  if (!allowed.includes(url.protocol)) {
    throw new AuthError(
      'INVALID_ARGUMENT',
      `${field} must be an ${options.httpsOnly ? 'https' : 'http(s)'} URL`,
    );
  }
  return url.toString();
}

/** '' or PEM certificate(s) that parse; INVALID_ARGUMENT naming the field otherwise. */
export function pemCertificates(field: string, value: string | undefined): string {
  const text = (value ?? '').trim();
  if (text === '') return '';
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!blocks) throw new AuthError('INVALID_ARGUMENT', `${field} must be PEM certificate(s)`);
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch {
      throw new AuthError(
        'INVALID_ARGUMENT',
        `${field} contains a certificate that does not parse`,
      );
    }
  }
  return `${blocks.join('\n')}\n`;
}
