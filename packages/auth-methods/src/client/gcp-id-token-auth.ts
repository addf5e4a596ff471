import { routes } from '@burrow/platform-api';
import { pickSetting, type AuthFlags } from './auth-flags.ts';
import type { LoginRequest } from './login-request.ts';
import { machineIdentityId } from './machine-identity-id.ts';

/**
 * GCP ID token auth, client side (reference §7): on a GCE VM, GKE node or Cloud Run service the
 * metadata server issues a Google-signed ID token whose audience is the identity ID; the control
 * plane verifies it against Google's JWKS.
 *
 *   --machine-identity-id  INFISICAL_MACHINE_IDENTITY_ID (or INFISICAL_GCP_AUTH_IDENTITY_ID)
 *   BURROW_GCP_METADATA_URL  metadata server base URL (default http://metadata.google.internal;
 *                            GCE_METADATA_HOST, as Google's client libraries read it, also works)
 *
 *   GET <metadata>/computeMetadata/v1/instance/service-accounts/default/identity
 *       ?audience=<identityId>&format=full   (Metadata-Flavor: Google)
 *   POST /v1/auth/gcp-auth/login {identityId, jwt}
 */
export interface GcpIdTokenLogin {
  method: 'gcp-id-token';
  identityId: string;
  metadataUrl: string;
}

export const DEFAULT_GCP_METADATA_URL = 'http://metadata.google.internal';

export function resolveGcpIdTokenLogin(flags: AuthFlags, env: NodeJS.ProcessEnv): GcpIdTokenLogin {
  const host = pickSetting(env.GCE_METADATA_HOST);
  return {
    method: 'gcp-id-token',
    identityId: machineIdentityId(flags, env, 'gcp-id-token', 'INFISICAL_GCP_AUTH_IDENTITY_ID'),
    metadataUrl: (
      pickSetting(env.BURROW_GCP_METADATA_URL) ??
      (host ? `http://${host}` : DEFAULT_GCP_METADATA_URL)
    ).replace(/\/+$/, ''),
  };
}

export async function gcpIdTokenLoginRequest(options: GcpIdTokenLogin): Promise<LoginRequest> {
  const url = new URL(
    `${options.metadataUrl}/computeMetadata/v1/instance/service-accounts/default/identity`,
  );
  url.searchParams.set('audience', options.identityId);
  url.searchParams.set('format', 'full');
  const response = await fetch(url, {
    headers: { 'metadata-flavor': 'Google' },
    signal: AbortSignal.timeout(10_000),
  }).catch((error: unknown) => {
    throw new Error(
      `cannot reach the GCP metadata server at ${url.origin} (BURROW_GCP_METADATA_URL): ${(error as Error).message}`,
    );
  });
  const jwt = (await response.text()).trim();
  if (!response.ok) {
    throw new Error(`the GCP metadata server answered ${response.status}: ${jwt.slice(0, 200)}`);
  }
  return { route: routes.gcpAuthLogin, body: { identityId: options.identityId, jwt } };
}
