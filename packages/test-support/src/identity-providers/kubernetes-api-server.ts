import { randomUUID } from 'node:crypto';
import { errors, importJWK, jwtVerify } from 'jose';
import { createSelfSignedCertificate } from '../self-signed-certificate.ts';
import { startLoopbackServer } from './loopback-server.ts';
import { createSigningKey, type SignOptions } from './signing-key.ts';

/**
 * A Kubernetes API server's TokenReview endpoint on loopback, over HTTPS with its own CA (tests
 * pin `caPem`). It signs service account tokens the way the API server does (issuer, audiences,
 * `kubernetes.io` claims) and answers `POST /apis/authentication.k8s.io/v1/tokenreviews`:
 *
 * - the caller (Authorization: Bearer) must be a valid service account token of an account
 *   allowed to review tokens (`reviewers`, i.e. bound to system:auth-delegator); else 401/403;
 * - the reviewed token is verified (signature, expiry) and its audiences must include one of
 *   `spec.audiences` (default: the API server's own audience); the answer says authenticated or
 *   not, with the error, as the real API does.
 *
 * @example
 *   const k8s = await startKubernetesApiServer();
 *   const jwt = await k8s.issueServiceAccountToken({ namespace: 'burrow', name: 'gateway' });
 */
export interface KubernetesApiServer {
  url: string;
  caPem: string;
  /** A token of kube-system/token-reviewer, which may create TokenReviews. */
  reviewerToken: string;
  issueServiceAccountToken(
    options: {
      namespace: string;
      name: string;
      audiences?: string[];
    } & SignOptions,
  ): Promise<string>;
  close(): Promise<void>;
}

export const KUBERNETES_API_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';

export async function startKubernetesApiServer(): Promise<KubernetesApiServer> {
  const key = await createSigningKey();
  // The API server's serving certificate is its own CA (tests pin it as `caPem`).
  const serving = await createSelfSignedCertificate('kubernetes');
  const reviewers = new Set(['system:serviceaccount:kube-system:token-reviewer']);
  const verificationKey = await importJWK(key.publicJwk, 'RS256');

  const issue: KubernetesApiServer['issueServiceAccountToken'] = (options) =>
    key.sign(
      {
        iss: KUBERNETES_API_AUDIENCE,
        aud: options.audiences ?? [KUBERNETES_API_AUDIENCE],
        sub: `system:serviceaccount:${options.namespace}:${options.name}`,
        'kubernetes.io': {
          namespace: options.namespace,
          serviceaccount: { name: options.name, uid: randomUUID() },
        },
      },
      options,
    );

  const review = async (
    token: string,
    audiences: string[],
  ): Promise<{ username: string; audiences: string[] }> => {
    const { payload } = await jwtVerify(token, verificationKey, {
      issuer: KUBERNETES_API_AUDIENCE,
      audience: audiences,
    });
    const tokenAudiences = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
    return {
      username: String(payload.sub),
      audiences: tokenAudiences.filter((a) => audiences.includes(a)),
    };
  };

  const server = await startLoopbackServer(
    async (request) => {
      if (
        request.method !== 'POST' ||
        request.url.pathname !== '/apis/authentication.k8s.io/v1/tokenreviews'
      ) {
        return {
          status: 404,
          body: { kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 },
        };
      }
      const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      let caller: string;
      try {
        caller = (await review(bearer ?? '', [KUBERNETES_API_AUDIENCE])).username;
      } catch {
        return {
          status: 401,
          body: { kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 },
        };
      }
      if (!reviewers.has(caller)) {
        return {
          status: 403,
          body: {
            kind: 'Status',
            status: 'Failure',
            reason: 'Forbidden',
            code: 403,
            message: `tokenreviews.authentication.k8s.io is forbidden: User "${caller}" cannot create resource "tokenreviews"`,
          },
        };
      }
      const spec =
        (JSON.parse(request.body) as { spec?: { token?: string; audiences?: string[] } }).spec ??
        {};
      const audiences = spec.audiences?.length ? spec.audiences : [KUBERNETES_API_AUDIENCE];
      let status: object;
      try {
        const reviewed = await review(spec.token ?? '', audiences);
        status = {
          authenticated: true,
          user: { username: reviewed.username },
          audiences: reviewed.audiences,
        };
      } catch (error) {
        status = {
          authenticated: false,
          error: `[invalid bearer token, ${reviewError(error, audiences)}]`,
        };
      }
      return {
        status: 201,
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenReview',
          spec: { audiences },
          status,
        },
      };
    },
    { key: serving.privateKeyPem, cert: serving.certificatePem },
  );
  return {
    url: server.url,
    caPem: serving.certificatePem,
    reviewerToken: await issue({
      namespace: 'kube-system',
      name: 'token-reviewer',
      expiresInSeconds: 3600,
    }),
    issueServiceAccountToken: issue,
    close: () => server.close(),
  };
}

/** The API server's wording for why a token did not authenticate. */
function reviewError(error: unknown, audiences: string[]): string {
  if (error instanceof errors.JWTExpired) return 'service account token has expired';
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud') {
    return `token audiences ${JSON.stringify(error.payload.aud)} is invalid for the target audiences ${JSON.stringify(audiences)}`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'token signature is invalid';
  return (error as Error).message;
}
