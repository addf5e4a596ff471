import { HEARTBEAT_BUFFER_SECONDS } from '@burrow/tunnel-protocol';
import { ForbiddenError, InvalidRequestError, NotFoundError } from '../domain/errors.ts';
import { authorize } from '../domain/permissions.ts';
import type { GatewayPamSessionKeyStore } from '../stores/gateway-pam-session-key-store.ts';
import type { Gateway, GatewayStore } from '../stores/gateway-store.ts';
import type { Identity, IdentityStore } from '../stores/identity-store.ts';
import type { Relay, RelayStore } from '../stores/relay-store.ts';
import type { CallerCredentials } from './caller-credentials.ts';
import type { CertificateAuthorities } from './certificate-authorities.ts';
import {
  issueGatewayCredentials,
  type GatewayRegistrationCredentials,
} from './gateway-credentials.ts';
import { probeGatewayHealth } from './gateway-health-probe.ts';
import type { GatewayTarget, GatewayTunnelClient, TunnelRoute } from './gateway-tunnel.ts';
import { testTargetConnection, type ConnectionTestOutcome } from './target-connection-test.ts';

/**
 * Gateways (reference §4, §5.2, §5.7, §11): registration, heartbeat, listing, deletion, a
 * connection test through the gateway, platform connection details and the recording key.
 *
 * - One gateway per identity: registering again updates its name and relay and returns fresh
 *   certificates. A deleted gateway's identity is refused (403): deletion stops new
 *   certificates, and existing ones expire within a day.
 * - The relay is looked up among the identity's org relays, then instance relays.
 * - A heartbeat probes the gateway through the relay; only a successful probe is recorded.
 */
export interface GatewayView {
  gateway: Gateway;
  relay: Relay | undefined;
  /** Every relay that holds the gateway (Burrow HA), in the order callers try them. */
  holdingRelays: Relay[];
  identity: Identity | undefined;
}

export interface PlatformConnectionDetails {
  relay: Relay;
  credentials: CallerCredentials;
  routes: TunnelRoute[];
}

export class GatewayService {
  readonly #gateways: GatewayStore;
  readonly #relays: RelayStore;
  readonly #identities: IdentityStore;
  readonly #sessionKeys: GatewayPamSessionKeyStore;
  readonly #cas: CertificateAuthorities;
  readonly #tunnel: GatewayTunnelClient;

  constructor(deps: {
    gateways: GatewayStore;
    relays: RelayStore;
    identities: IdentityStore;
    sessionKeys: GatewayPamSessionKeyStore;
    cas: CertificateAuthorities;
    tunnel: GatewayTunnelClient;
  }) {
    this.#gateways = deps.gateways;
    this.#relays = deps.relays;
    this.#identities = deps.identities;
    this.#sessionKeys = deps.sessionKeys;
    this.#cas = deps.cas;
    this.#tunnel = deps.tunnel;
  }

  async register(
    identity: Identity,
    input: { relayName: string; name: string },
    version?: string,
  ): Promise<{ gateway: Gateway; credentials: GatewayRegistrationCredentials }> {
    authorize(identity, 'gateways.register');
    const existing = this.#gateways.findByIdentity(identity.id);
    if (existing?.deletedAt != null) {
      throw new ForbiddenError(
        `Gateway ${existing.name} of this identity was deleted; it gets no new certificates`,
      );
    }
    const relay = this.#relays.findForOrg(identity.orgId, input.relayName);
    if (!relay) throw new NotFoundError(`Relay ${input.relayName} not found`);
    const sameName = this.#gateways.findLiveByName(identity.orgId, input.name);
    if (sameName && sameName.identityId !== identity.id) {
      throw new InvalidRequestError(
        `Gateway name ${input.name} is already used by another identity`,
      );
    }
    const gateway = this.#gateways.upsert({
      orgId: identity.orgId,
      identityId: identity.id,
      name: input.name,
      relayId: relay.id,
    });
    this.#gateways.recordRelay(gateway.id, relay.id);
    this.#gateways.setVersion(gateway.id, version);
    const { credentials, expiresAt } = await issueGatewayCredentials(this.#cas, gateway, relay);
    this.#gateways.setCertificatesExpireAt(gateway.id, expiresAt);
    return { gateway, credentials };
  }

  async heartbeat(
    identity: Identity,
    capabilities: Record<string, unknown> | undefined,
    version?: string,
  ): Promise<{ gateway: Gateway; heartbeatTTL: number }> {
    authorize(identity, 'gateways.register');
    const gateway = this.ownGateway(identity);
    this.#gateways.setCapabilities(gateway.id, capabilities);
    this.#gateways.setVersion(gateway.id, version);
    try {
      const { heartbeatTTL } = await probeGatewayHealth(this.#tunnel, gateway.id);
      const now = Date.now();
      this.#gateways.setHeartbeat(gateway.id, now, heartbeatTTL);
      return { gateway: { ...gateway, heartbeat: now, heartbeatTTL }, heartbeatTTL };
    } catch (error) {
      this.#gateways.setHeartbeat(gateway.id, null, 0);
      const relay = gateway.relayId ? this.#relays.get(gateway.relayId) : undefined;
      // What the relay or gateway answered stays in the control plane's log (error handler).
      throw new InvalidRequestError(
        `Gateway ${gateway.name} is not reachable through relay ${relay?.name ?? '(none)'}`,
        {},
        { cause: error },
      );
    }
  }

  /**
   * An enrolled gateway (reference §5.2, its resource token) connects: registered as by
   * {@link register} under its own name, through the relay it names, else the one it last used.
   */
  async connectEnrolled(
    identity: Identity,
    relayName: string | undefined,
    version?: string,
  ): Promise<{ gateway: Gateway; credentials: GatewayRegistrationCredentials }> {
    const current = this.ownGateway(identity);
    const relay =
      relayName ?? (current.relayId ? this.#relays.get(current.relayId)?.name : undefined);
    if (!relay) {
      throw new InvalidRequestError(
        `Gateway ${current.name} has no relay yet: name one (relayName, --target-relay-name)`,
      );
    }
    return this.register(identity, { relayName: relay, name: current.name }, version);
  }

  /** The live gateways of the caller's organization, with their relay and identity. */
  list(caller: Identity): GatewayView[] {
    authorize(caller, 'gateways.list');
    return this.#gateways.listLive(caller.orgId).map((gateway) => this.#view(gateway));
  }

  /** The gateway with its relay and identity (deletion is revocation.ts's). */
  view(gateway: Gateway): GatewayView {
    return this.#view(gateway);
  }

  /** Whether the gateway reaches targetHost:targetPort (see target-connection-test.ts). */
  async testConnection(
    caller: Identity,
    gatewayId: string,
    target: GatewayTarget,
    settleMs: number | undefined,
  ): Promise<{ gateway: Gateway } & ConnectionTestOutcome> {
    authorize(caller, 'gateways.test-connection');
    const gateway = this.#gatewayOfOrg(caller, gatewayId);
    const outcome = await testTargetConnection(this.#tunnel, gateway.id, target, settleMs);
    return { gateway, ...outcome };
  }

  /** 5-minute certificates to reach one target through the gateway (admin; reference §4). */
  async connectionDetails(
    caller: Identity,
    gatewayId: string,
    target: GatewayTarget,
  ): Promise<{ gateway: Gateway } & PlatformConnectionDetails> {
    authorize(caller, 'gateways.connection-details');
    const gateway = this.#gatewayOfOrg(caller, gatewayId);
    const { relay, credentials, routes } = await this.#tunnel.prepare(gateway.id, target);
    return { gateway, relay, credentials, routes };
  }

  /** The recording key of the caller's own gateway (created once, sealed at rest). */
  pamSessionKey(caller: Identity): { gateway: Gateway; key: Buffer } {
    authorize(caller, 'pam.sessions.serve');
    const gateway = this.#gateways.findByIdentity(caller.id);
    if (!gateway || gateway.deletedAt !== null) {
      throw new NotFoundError('No gateway is registered for this identity');
    }
    return { gateway, key: this.#sessionKeys.getOrCreate(gateway.id) };
  }

  /** The identity's gateway unless it was deleted (404 without one, 403 once deleted). */
  ownGateway(identity: Identity): Gateway {
    const gateway = this.#gateways.findByIdentity(identity.id);
    if (!gateway) throw new NotFoundError('This identity has no gateway; register it first');
    if (gateway.deletedAt !== null) throw new ForbiddenError(`Gateway ${gateway.name} was deleted`);
    return gateway;
  }

  #gatewayOfOrg(caller: Identity, id: string): Gateway {
    const gateway = this.#gateways.get(id);
    if (!gateway || gateway.orgId !== caller.orgId || gateway.deletedAt !== null) {
      throw new NotFoundError(`Gateway ${id} not found`);
    }
    return gateway;
  }

  #view(gateway: Gateway): GatewayView {
    return {
      gateway,
      relay: gateway.relayId ? this.#relays.get(gateway.relayId) : undefined,
      holdingRelays: this.#tunnel.relaysOf(gateway),
      identity: this.#identities.get(gateway.identityId),
    };
  }
}

/** Healthy = the last successful probe is younger than its heartbeatTTL + 30 s. */
export function isGatewayHealthy(gateway: Gateway, now = Date.now()): boolean {
  if (gateway.heartbeat === null || !gateway.heartbeatTTL) return false;
  return now - gateway.heartbeat <= (gateway.heartbeatTTL + HEARTBEAT_BUFFER_SECONDS) * 1000;
}
