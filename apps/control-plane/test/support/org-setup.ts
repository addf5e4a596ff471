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

/** Who registers: the name of an identity to make with the needed role, or one already made. */
export type Registrant = string | IdentityToken;

async function registrant(
  cp: ControlPlane,
  admin: Bootstrapped,
  who: Registrant,
  role: 'relay' | 'gateway',
): Promise<IdentityToken> {
  return typeof who === 'string' ? identityWithToken(cp, admin, who, role) : who;
}

/**
 * An org relay on 127.0.0.1 named `name`, registered by `identity` (made with the relay role when
 * a name); `sshPort` / `tlsPort` are what it announces (a FakeRelayGateway's port, for tests that
 * tunnel).
 */
export async function registerOrgRelay(
  cp: ControlPlane,
  admin: Bootstrapped,
  name = 'org-relay',
  options: { sshPort?: number; tlsPort?: number; identity?: Registrant } = {},
): Promise<{ identity: IdentityToken; pki: PkiMaterial }> {
  const { identity: who = 'relay', ...ports } = options;
  const identity = await registrant(cp, admin, who, 'relay');
  const { pki } = await post<{ pki: PkiMaterial }>(
    cp,
    identity.token,
    '/api/v1/relays/register-org-relay',
    { host: '127.0.0.1', name, ...ports },
  );
  return { identity, pki };
}

/** Gateway `name` on relay `relayName`, registered by `identity` (made with the gateway role when a name). */
export async function registerGateway(
  cp: ControlPlane,
  admin: Bootstrapped,
  identity: Registrant,
  name: string,
  relayName = 'org-relay',
): Promise<{ identity: IdentityToken; gatewayId: string; relayHost: string; pki: PkiMaterial }> {
  const registered = await registrant(cp, admin, identity, 'gateway');
  const { gatewayId, relayHost, pki } = await post<{
    gatewayId: string;
    relayHost: string;
    pki: PkiMaterial;
  }>(cp, registered.token, '/api/v2/gateways', { relayName, name });
  return { identity: registered, gatewayId, relayHost, pki };
}

/**
 * Relay `relayName` and gateway `gatewayName`, both played by `fake` with the certificates the
 * control plane issued them: the control plane's tunnels reach the fake's targets. The relay and
 * gateway identities are made (`relay`, `gateway` unless named) or given. The relay announces the
 * fake's TLS port and `sshPort` (2299 unless given; nothing serves it, but two relays on
 * 127.0.0.1 may not claim the same port).
 */
export async function registerFakeRelayGateway(
  cp: ControlPlane,
  admin: Bootstrapped,
  fake: FakeRelayGateway,
  gatewayName: string,
  options: {
    relayName?: string;
    relayIdentity?: Registrant;
    gatewayIdentity?: Registrant;
    sshPort?: number;
  } = {},
): Promise<{ relay: IdentityToken; gateway: IdentityToken; gatewayId: string; relayHost: string }> {
  const {
    relayName = 'fake-relay',
    relayIdentity = 'relay',
    gatewayIdentity = 'gateway',
    sshPort = 2299,
  } = options;
  const relay = await registerOrgRelay(cp, admin, relayName, {
    sshPort,
    tlsPort: fake.port,
    identity: relayIdentity,
  });
  fake.useRelayCertificates(relay.pki);
  const gateway = await registerGateway(cp, admin, gatewayIdentity, gatewayName, relayName);
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
