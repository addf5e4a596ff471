import { AuthError } from './auth-error.ts';
import {
  accessTokenPolicy,
  type AccessTokenPolicy,
  type AccessTokenPolicyInput,
} from './access-token-policy.ts';
import { splitList } from './bound-claims.ts';
import { bindsSomething, refuseUnboundConfiguration, refuseUnboundLogin } from './login-binding.ts';
import {
  assertLoginIpTrusted,
  httpUrl,
  pemCertificates,
  type LoginAttempt,
  type VerifiedLogin,
} from './login-method-config.ts';
import { providerRequest } from './provider-request.ts';

/**
 * Kubernetes auth, server side (reference §7; Infisical's identity-kubernetes-auth): the client
 * presents its service account token; the control plane asks the cluster's API server
 * (`POST <kubernetesHost>/apis/authentication.k8s.io/v1/tokenreviews`, over TLS with `caCert`
 * pinned, authorised by `tokenReviewerJwt` or, without one, by the presented token itself)
 * whether the token is valid, then checks the service account's namespace and name and the
 * token's audiences against the identity's lists.
 *
 * @example
 *   const config = kubernetesAuthConfig({ kubernetesHost, caCert, tokenReviewerJwt, allowedNamespaces: 'burrow' });
 *   const { subject } = await verifyKubernetesLogin(config, { identityId, jwt, clientIp });
 */
export interface KubernetesAuthConfig extends AccessTokenPolicy {
  kubernetesHost: string;
  /** PEM CA of the API server; '' = the system's CAs. */
  caCert: string;
  /** Token of a service account allowed to create TokenReviews; '' = use the presented token. */
  tokenReviewerJwt: string;
  /** Comma-separated namespaces; '' = any (then allowedNames is needed). */
  allowedNamespaces: string;
  /** Comma-separated service account names; '' = any (then allowedNamespaces is needed). */
  allowedNames: string;
  /** Audience the token must carry; '' = the API server's default. */
  allowedAudience: string;
}

export type KubernetesAuthConfigInput = AccessTokenPolicyInput &
  Partial<Omit<KubernetesAuthConfig, keyof AccessTokenPolicy>> & { kubernetesHost: string };

export function kubernetesAuthConfig(input: KubernetesAuthConfigInput): KubernetesAuthConfig {
  const config: KubernetesAuthConfig = {
    ...accessTokenPolicy(input),
    kubernetesHost: httpUrl('kubernetesHost', input.kubernetesHost, { httpsOnly: true }).replace(
      /\/+$/,
      '',
    ),
    caCert: pemCertificates('caCert', input.caCert),
    tokenReviewerJwt: (input.tokenReviewerJwt ?? '').trim(),
    allowedNamespaces: splitList(input.allowedNamespaces).join(','),
    allowedNames: splitList(input.allowedNames).join(','),
    allowedAudience: (input.allowedAudience ?? '').trim(),
  };
  refuseUnboundConfiguration('Kubernetes auth', kubernetesMissingBinding(config));
  return config;
}

/**
 * What a Kubernetes configuration lacks to bind a principal (login-binding.ts): without allowed
 * namespaces or names, every service account of the cluster (every pod) could log in.
 */
export function kubernetesMissingBinding(config: KubernetesAuthConfig): string | undefined {
  return bindsSomething(config.allowedNamespaces) || bindsSomething(config.allowedNames)
    ? undefined
    : 'allowedNamespaces or allowedNames';
}

interface TokenReviewStatus {
  authenticated?: boolean;
  error?: string;
  user?: { username?: string; uid?: string };
  audiences?: string[];
}

const SERVICE_ACCOUNT_USERNAME = /^system:serviceaccount:([^:]+):([^:]+)$/;

export async function verifyKubernetesLogin(
  config: KubernetesAuthConfig,
  attempt: LoginAttempt,
): Promise<VerifiedLogin> {
  assertLoginIpTrusted(config, attempt.clientIp);
  refuseUnboundLogin('Kubernetes auth', kubernetesMissingBinding(config));
  const what = 'the Kubernetes TokenReview API';
  const answer = await providerRequest(
    what,
    `${config.kubernetesHost}/apis/authentication.k8s.io/v1/tokenreviews`,
    {
      method: 'POST',
      caCert: config.caCert || undefined,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${config.tokenReviewerJwt || attempt.jwt}`,
      },
      body: JSON.stringify({
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenReview',
        spec: {
          token: attempt.jwt,
          ...(config.allowedAudience ? { audiences: [config.allowedAudience] } : {}),
        },
      }),
    },
  );
  if (answer.status === 401 || answer.status === 403) {
    throw new AuthError(
      'PROVIDER_UNAVAILABLE',
      `${what} refused the token reviewer (${answer.status}); check tokenReviewerJwt and its RBAC (system:auth-delegator)`,
    );
  }
  if (answer.status < 200 || answer.status >= 300) {
    throw new AuthError('PROVIDER_UNAVAILABLE', `${what} answered ${answer.status}`);
  }
  let status: TokenReviewStatus;
  try {
    status = (JSON.parse(answer.body) as { status?: TokenReviewStatus }).status ?? {};
  } catch {
    throw new AuthError('PROVIDER_UNAVAILABLE', `${what} answered with a body that is not JSON`);
  }
  if (status.authenticated !== true) {
    throw new AuthError(
      'INVALID_CREDENTIALS',
      `Kubernetes did not authenticate the service account token${status.error ? `: ${status.error}` : ''}`,
    );
  }
  const match = SERVICE_ACCOUNT_USERNAME.exec(status.user?.username ?? '');
  if (!match) {
    throw new AuthError('NOT_BOUND', 'the token does not belong to a Kubernetes service account');
  }
  const [, namespace = '', name = ''] = match;
  const namespaces = splitList(config.allowedNamespaces);
  if (namespaces.length > 0 && !namespaces.includes(namespace)) {
    throw new AuthError('NOT_BOUND', `service account namespace "${namespace}" is not allowed`);
  }
  const names = splitList(config.allowedNames);
  if (names.length > 0 && !names.includes(name)) {
    throw new AuthError('NOT_BOUND', `service account name "${name}" is not allowed`);
  }
  if (config.allowedAudience && !(status.audiences ?? []).includes(config.allowedAudience)) {
    throw new AuthError('NOT_BOUND', 'the token audience is not the allowed audience');
  }
  return { subject: `system:serviceaccount:${namespace}:${name}` };
}
