import { routes, type PlatformClient, type RouteBody } from '@burrow/platform-api';

/** admin, member, auditor, relay or gateway (the control plane's roles). */
export type IdentityRole = NonNullable<RouteBody<typeof routes.createIdentity>['role']>;

/** What a relay, gateway or person needs to log in with universal auth. */
export interface UniversalAuthIdentity {
  identityId: string;
  clientId: string;
  clientSecret: string;
}

/**
 * Creates a machine identity with universal auth and one client secret, as an admin would
 * (`POST /api/v1/identities`, then attach universal auth, then a client secret). `role`:
 * `member` for a person, `relay` / `gateway` for the scoped identity a relay or gateway runs as.
 *
 * @example
 *   const alice = await createUniversalAuthIdentity(stack.api, stack.organizationId, 'alice');
 */
export async function createUniversalAuthIdentity(
  api: PlatformClient,
  organizationId: string,
  name: string,
  role: IdentityRole = 'member',
): Promise<UniversalAuthIdentity> {
  const { identity } = await api.call(routes.createIdentity, {
    body: { name, organizationId, role },
  });
  const params = { identityId: identity.id };
  const { identityUniversalAuth } = await api.call(routes.attachUniversalAuth, {
    params,
    body: {},
  });
  const { clientSecret } = await api.call(routes.createUniversalAuthClientSecret, {
    params,
    body: { description: `${name} (local stack)` },
  });
  return { identityId: identity.id, clientId: identityUniversalAuth.clientId, clientSecret };
}
