import { tokenAuthConfig } from '@burrow/auth-methods';
import type { ControlPlane } from '../../src/control-plane.ts';
import type { FakeRelayGateway, PkiMaterial } from './fake-relay-gateway.ts';
import { auth, identityWithToken, type Bootstrapped } from './test-control-plane.ts';

/**
 * The organization set-up the PAM and dynamic-secret tests share, through the real routes: an org
 * relay and gateways registered by their own identities, PAM grants, and another organization's
 * gateway (an attacker). Every step must answer 200; anything else throws with the answer, so a
 * broken set-up fails in beforeAll and names the step.
 *
 * @example
 *   const relay = await registerOrgRelay(cp, admin);
 *   const { gatewayId, identity } = await registerGateway(cp, admin, 'gw-identity', 'gw-1');
 *   await grantPam(cp, admin, alice.identityId, 'ops/');
 */
export interface IdentityToken {
  identityId: string;
  token: string;
}

async function post<T>(cp: ControlPlane, token: string, url: string, payload: object): Promise<T> {
  const res = await cp.app.inject({ method: 'POST', url, headers: auth(token), payload });
  if (res.statusCode !== 200) {
    throw new Error(`set-up: POST ${url} answered ${res.statusCode}: ${res.body}`);
  }
  return res.json<T>();
}

/**
 * A relay identity and its org relay on 127.0.0.1, named `name`; `ports` are what it announces
 * (a FakeRelayGateway's port, for tests that tunnel).
 */
export async function registerOrgRelay(
  cp: ControlPlane,
  admin: Bootstrapped,
  name = 'org-relay',
  ports: { sshPort?: number; tlsPort?: number } = {},
): Promise<{ identity: IdentityToken; pki: PkiMaterial }> {
  const identity = await identityWithToken(cp, admin, 'relay', 'relay');
  const { pki } = await post<{ pki: PkiMaterial }>(
    cp,
    identity.token,
    '/api/v1/relays/register-org-relay',
    { host: '127.0.0.1', name, ...ports },
  );
  return { identity, pki };
}

/** A gateway identity named `identityName` that registers gateway `name` on relay `relayName`. */
export async function registerGateway(
  cp: ControlPlane,
  admin: Bootstrapped,
  identityName: string,
  name: string,
  relayName = 'org-relay',
): Promise<{ identity: IdentityToken; gatewayId: string; relayHost: string; pki: PkiMaterial }> {
  const identity = await identityWithToken(cp, admin, identityName, 'gateway');
  const { gatewayId, relayHost, pki } = await post<{
    gatewayId: string;
    relayHost: string;
    pki: PkiMaterial;
  }>(cp, identity.token, '/api/v2/gateways', { relayName, name });
  return { identity, gatewayId, relayHost, pki };
}

/**
 * Relay `fake-relay` and gateway `gatewayName`, both played by `fake` with the certificates the
 * control plane issued them: the control plane's tunnels reach the fake's targets.
 */
export async function registerFakeRelayGateway(
  cp: ControlPlane,
  admin: Bootstrapped,
  fake: FakeRelayGateway,
  gatewayName: string,
): Promise<{ relay: IdentityToken; gateway: IdentityToken; gatewayId: string; relayHost: string }> {
  const relay = await registerOrgRelay(cp, admin, 'fake-relay', {
    sshPort: 2299,
    tlsPort: fake.port,
  });
  fake.useRelayCertificates(relay.pki);
  const gateway = await registerGateway(cp, admin, 'gateway', gatewayName, 'fake-relay');
  fake.useGatewayCertificates(gateway.pki);
  const { identity, gatewayId, relayHost } = gateway;
  return { relay: relay.identity, gateway: identity, gatewayId, relayHost };
}

/** Grants `identityId` PAM access to `path` (an account path or a folder ending in /). */
export async function grantPam(
  cp: ControlPlane,
  admin: Bootstrapped,
  identityId: string,
  path: string,
): Promise<void> {
  await post(cp, admin.token, '/api/v1/pam/grants', { identityId, path });
}

/**
 * An identity with `role` (named globex-<role>) and a token in a new organization, Globex, made in
 * the stores: bootstrap makes only the first organization.
 */
export function otherOrgIdentity(cp: ControlPlane, role: 'admin' | 'gateway'): IdentityToken {
  const other = cp.context.organizations.create({ name: 'Globex' });
  const identity = cp.context.identities.create({
    orgId: other.id,
    name: `globex-${role}`,
    role,
  });
  const policy = tokenAuthConfig();
  cp.context.tokenAuth.attach(identity.id, policy);
  const { accessToken } = cp.context.accessTokens.issue(identity.id, 'token-auth', policy);
  return { identityId: identity.id, token: accessToken };
}

/** A token of a gateway identity in another organization, Globex. */
export function otherOrgGatewayToken(cp: ControlPlane): string {
  return otherOrgIdentity(cp, 'gateway').token;
}
