import { HEARTBEAT_BUFFER_SECONDS } from '@burrow/tunnel-protocol';
import type { ControlPlaneContext } from '../app/control-plane-context.ts';
import { badRequest, forbidden, notFound } from '../app/http-error.ts';
import type { Gateway } from '../stores/gateway-store.ts';
import type { Identity } from '../stores/identity-store.ts';
import {
  issueGatewayCredentials,
  type GatewayRegistrationCredentials,
} from './gateway-credentials.ts';
import { probeGatewayHealth } from './gateway-health-probe.ts';

/**
 * Gateway registration, heartbeat and deletion (reference §5.2, §5.7, §11).
 *
 * - One gateway per identity: registering again updates its name and relay and returns fresh
 *   certificates. A deleted gateway's identity is refused (403): deletion stops new
 *   certificates, and existing ones expire within a day.
 * - The relay is looked up among the identity's org relays, then instance relays.
 * - A heartbeat probes the gateway through the relay; only a successful probe is recorded.
 */
export async function registerGateway(
  context: ControlPlaneContext,
  identity: Identity,
  input: { relayName: string; name: string },
): Promise<{ gateway: Gateway; credentials: GatewayRegistrationCredentials }> {
  const existing = context.gateways.findByIdentity(identity.id);
  if (existing?.deletedAt != null) {
    throw forbidden(
      `Gateway ${existing.name} of this identity was deleted; it gets no new certificates`,
    );
  }
  const relay = context.relays.findForOrg(identity.orgId, input.relayName);
  if (!relay) throw notFound(`Relay ${input.relayName} not found`);
  const sameName = context.gateways.findLiveByName(identity.orgId, input.name);
  if (sameName && sameName.identityId !== identity.id) {
    throw badRequest(`Gateway name ${input.name} is already used by another identity`);
  }
  const gateway = context.gateways.upsert({
    orgId: identity.orgId,
    identityId: identity.id,
    name: input.name,
    relayId: relay.id,
  });
  context.gateways.recordRelay(gateway.id, relay.id);
  return { gateway, credentials: await issueGatewayCredentials(context.cas, gateway, relay) };
}

export function liveGatewayOf(context: ControlPlaneContext, identity: Identity): Gateway {
  const gateway = context.gateways.findByIdentity(identity.id);
  if (!gateway) throw notFound('This identity has no gateway; register it first');
  if (gateway.deletedAt !== null) throw forbidden(`Gateway ${gateway.name} was deleted`);
  return gateway;
}

export async function heartbeatGateway(
  context: ControlPlaneContext,
  identity: Identity,
  capabilities: Record<string, unknown> | undefined,
): Promise<{ gateway: Gateway; heartbeatTTL: number }> {
  const gateway = liveGatewayOf(context, identity);
  context.gateways.setCapabilities(gateway.id, capabilities);
  try {
    const { heartbeatTTL } = await probeGatewayHealth(context.tunnel, gateway.id);
    const now = Date.now();
    context.gateways.setHeartbeat(gateway.id, now, heartbeatTTL);
    return { gateway: { ...gateway, heartbeat: now, heartbeatTTL }, heartbeatTTL };
  } catch (error) {
    context.gateways.setHeartbeat(gateway.id, null, 0);
    const relay = gateway.relayId ? context.relays.get(gateway.relayId) : undefined;
    throw badRequest(
      `Gateway ${gateway.name} is not reachable through relay ${relay?.name ?? '(none)'}: ${(error as Error).message}`,
    );
  }
}

/** Healthy = the last successful probe is younger than its heartbeatTTL + 30 s. */
export function isGatewayHealthy(gateway: Gateway, now = Date.now()): boolean {
  if (gateway.heartbeat === null || !gateway.heartbeatTTL) return false;
  return now - gateway.heartbeat <= (gateway.heartbeatTTL + HEARTBEAT_BUFFER_SECONDS) * 1000;
}
