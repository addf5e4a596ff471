import { routes } from '@burrow/platform-api';
import { readFile } from 'node:fs/promises';
import { ConfigError } from '@burrow/observability';
import { pickSetting, type AuthFlags } from './auth-flags.ts';
import type { LoginRequest } from './login-request.ts';
import { machineIdentityId } from './machine-identity-id.ts';

/**
 * Kubernetes auth, client side (reference §7): the pod's service account token, read from its
 * projected file at every login (the kubelet rotates it), is sent to the control plane, which
 * asks the cluster's TokenReview API whether it is valid.
 *
 *   --machine-identity-id         INFISICAL_MACHINE_IDENTITY_ID (or INFISICAL_KUBERNETES_IDENTITY_ID)
 *   --service-account-token-path  INFISICAL_KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH
 *                                 (default /var/run/secrets/kubernetes.io/serviceaccount/token)
 *
 *   POST /v1/auth/kubernetes-auth/login {identityId, jwt}
 */
export interface KubernetesLogin {
  method: 'kubernetes';
  identityId: string;
  serviceAccountTokenPath: string;
}

export const DEFAULT_KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH =
  '/var/run/secrets/kubernetes.io/serviceaccount/token';

export function resolveKubernetesLogin(flags: AuthFlags, env: NodeJS.ProcessEnv): KubernetesLogin {
  return {
    method: 'kubernetes',
    identityId: machineIdentityId(flags, env, 'kubernetes', 'INFISICAL_KUBERNETES_IDENTITY_ID'),
    serviceAccountTokenPath:
      pickSetting(
        flags.serviceAccountTokenPath,
        env.INFISICAL_KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH,
      ) ?? DEFAULT_KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH,
  };
}

export async function kubernetesLoginRequest(options: KubernetesLogin): Promise<LoginRequest> {
  let jwt: string;
  try {
    jwt = (await readFile(options.serviceAccountTokenPath, 'utf8')).trim();
  } catch (error) {
    throw new ConfigError(
      undefined,
      `cannot read the Kubernetes service account token ${options.serviceAccountTokenPath} (--service-account-token-path / INFISICAL_KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  if (jwt === '') {
    throw new ConfigError(
      undefined,
      `the Kubernetes service account token file ${options.serviceAccountTokenPath} is empty`,
    );
  }
  return { route: routes.kubernetesAuthLogin, body: { identityId: options.identityId, jwt } };
}
