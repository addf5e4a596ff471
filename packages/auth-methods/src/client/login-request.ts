import type { routes } from '@burrow/platform-api';

/** The login routes of the methods that exchange a credential for an access token. */
export type LoginRoute =
  | typeof routes.universalAuthLogin
  | typeof routes.kubernetesAuthLogin
  | typeof routes.awsAuthLogin
  | typeof routes.gcpAuthLogin
  | typeof routes.azureAuthLogin
  | typeof routes.oidcAuthLogin
  | typeof routes.jwtAuthLogin;

/**
 * One login call: the method's login route (@burrow/platform-api) and its JSON body. Each
 * method's module builds it from its credential source.
 */
export interface LoginRequest {
  route: LoginRoute;
  body: Record<string, unknown>;
}

/** HTTP deadline for one call to a metadata, token or STS endpoint. */
export const CREDENTIAL_SOURCE_TIMEOUT_MS = 10_000;

/** Fetches from a credential source (metadata endpoint, token endpoint) and parses its JSON. */
export async function fetchCredentialJson(
  what: string,
  url: string,
  init: RequestInit = {},
): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      ...init,
      signal: AbortSignal.timeout(CREDENTIAL_SOURCE_TIMEOUT_MS),
    });
  } catch (error) {
    throw new Error(`cannot reach ${what} at ${new URL(url).origin}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const text = await response.text();
  if (!response.ok) {
    // The body of an error answer names the problem and carries no credential.
    throw new Error(`${what} answered ${response.status}: ${text.slice(0, 300)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${what} answered with a body that is not JSON`);
  }
}
