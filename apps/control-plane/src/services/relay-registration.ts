import net from 'node:net';
import { RELAY_SSH_PORT, RELAY_TLS_PORT } from '@burrow/tunnel-protocol';
import type { ControlPlaneContext } from '../app/control-plane-context.ts';
import { badRequest, notFound } from '../app/http-error.ts';
import type { Identity } from '../stores/identity-store.ts';
import type { Relay, RelayAddress } from '../stores/relay-store.ts';
import { probeRelay } from './relay-reachability-probe.ts';
import { issueRelayCredentials, type RelayRegistrationCredentials } from './relay-credentials.ts';

/**
 * Relay registration and heartbeat (reference §3.2, §3.5).
 *
 * - An org relay is upserted per identity: the identity's relay keeps its name (a different
 *   name is refused) but may move host and ports. A name another identity's relay uses is
 *   refused.
 * - An instance relay is upserted by name; host and ports are updated.
 * - A heartbeat is only recorded after the control plane itself completed a TLS handshake with
 *   the relay's TLS port.
 */
export interface RelayRegistrationInput {
  name: string;
  host: string;
  sshPort?: number | undefined;
  tlsPort?: number | undefined;
}

export async function registerOrgRelay(
  context: ControlPlaneContext,
  identity: Identity,
  input: RelayRegistrationInput,
): Promise<{ relay: Relay; credentials: RelayRegistrationCredentials }> {
  const address = relayAddress(input);
  const own = context.relays.findOrgRelayOfIdentity(identity.orgId, identity.id);
  if (own && own.name !== address.name) {
    throw badRequest(
      `This identity already registered relay ${own.name}; an identity can register only one relay`,
    );
  }
  const sameName = context.relays.findOrgRelay(identity.orgId, address.name);
  if (sameName && sameName.identityId !== identity.id) {
    throw badRequest(`Relay name ${address.name} is already used by another identity`);
  }
  const relay = context.relays.upsertOrgRelay(identity.orgId, identity.id, address);
  return { relay, credentials: await issueRelayCredentials(context.cas, relay) };
}

export async function registerInstanceRelay(
  context: ControlPlaneContext,
  input: RelayRegistrationInput,
): Promise<{ relay: Relay; credentials: RelayRegistrationCredentials }> {
  const relay = context.relays.upsertInstanceRelay(relayAddress(input));
  return { relay, credentials: await issueRelayCredentials(context.cas, relay) };
}

export async function heartbeatRelay(
  context: ControlPlaneContext,
  relay: Relay | undefined,
  name: string,
): Promise<Relay> {
  if (!relay) throw notFound(`Relay ${name} not found`);
  try {
    await probeRelay(context.cas, relay);
  } catch (error) {
    throw badRequest(`Relay ${relay.name} is not reachable: ${(error as Error).message}`);
  }
  const now = Date.now();
  context.relays.setHeartbeat(relay.id, now);
  return { ...relay, heartbeat: now };
}

function relayAddress(input: RelayRegistrationInput): RelayAddress {
  const host = input.host.trim();
  if (!isHostName(host)) {
    throw badRequest(
      `host must be a DNS name or an IP address without port or scheme, got "${input.host}"`,
    );
  }
  const sshPort = input.sshPort ?? RELAY_SSH_PORT;
  const tlsPort = input.tlsPort ?? RELAY_TLS_PORT;
  if (sshPort === tlsPort) throw badRequest('sshPort and tlsPort must differ');
  return { name: input.name, host, sshPort, tlsPort };
}

function isHostName(host: string): boolean {
  if (net.isIP(host) !== 0) return true;
  if (host.length === 0 || host.length > 253) return false;
  return host
    .split('.')
    .every((label) => /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(label));
}
