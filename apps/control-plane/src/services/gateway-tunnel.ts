import net from 'node:net';
import type tls from 'node:tls';
import {
  ALPN,
  DialError,
  dialGateway,
  GATEWAY_DIAL_DEADLINE_MS,
  RelayFailoverError,
  RelayFailureMemory,
  spliceStreams,
  tryRelays,
  type AlpnName,
} from '@burrow/tunnel-protocol';
import { InvalidRequestError, NotFoundError } from '../domain/errors.ts';
import type { Gateway, GatewayStore } from '../stores/gateway-store.ts';
import type { OrganizationStore } from '../stores/organization-store.ts';
import type { Relay, RelayStore } from '../stores/relay-store.ts';
import { issueCallerCredentials, type CallerCredentials } from './caller-credentials.ts';
import type { CertificateAuthorities } from './certificate-authorities.ts';

/**
 * The control plane as a caller (reference §4): opens streams to a gateway through its relay,
 * with freshly minted 5-minute certificates.
 *
 *   const socket = await tunnel.open(gatewayId, { alpn: ALPN.ping, targetHost: 'x', targetPort: 0 });
 *
 *   // Like the reference's withGatewayV2Proxy: a loopback listener whose every connection is a
 *   // new tunnel (relay TLS + gateway mTLS, ALPN infisical-tcp-proxy) to targetHost:targetPort.
 *   await tunnel.withGatewayTunnel(gatewayId, { targetHost: 'db', targetPort: 5432 }, async (port) => {
 *     await pg.connect({ host: '127.0.0.1', port });
 *   });
 *
 * Certificates are minted once per `withGatewayTunnel` call; the listener only lives while the
 * callback runs.
 *
 * Several relays (Burrow HA): a gateway may hold tunnels to several relays (gateway_relays). The
 * tunnel is prepared for each of them (a relay client certificate per relay; one gateway client
 * certificate), and `dial` tries them in order — relays that failed a dial in the last
 * RELAY_FAILURE_MEMORY_MS last (RelayFailureMemory) — so a caller that cannot reach one relay uses the next. A relay
 * that is down costs the first caller one refused connection (or one handshake deadline when
 * the path is black-holed); later callers go straight to a working one.
 */
export interface GatewayTarget {
  targetHost: string;
  targetPort: number;
}

export interface PreparedTunnel {
  gateway: Gateway;
  /** The first route's relay and credentials (what single-relay callers use). */
  relay: Relay;
  credentials: CallerCredentials;
  /** Every relay that holds the gateway, in the order `dial` tries them. */
  routes: TunnelRoute[];
}

/** One relay a tunnel can go through, with the caller certificates for it. */
export interface TunnelRoute {
  relay: Relay;
  credentials: CallerCredentials;
}

/** A gateway's registration for a relay older than this cannot be live (its SSH cert lives 1 day). */
export const GATEWAY_RELAY_REGISTRATION_MAX_AGE_MS = 24 * 60 * 60 * 1000;

export interface GatewayTunnelClientOptions {
  cas: CertificateAuthorities;
  gateways: GatewayStore;
  relays: RelayStore;
  organizations: OrganizationStore;
}

export class GatewayTunnelClient {
  readonly #options: GatewayTunnelClientOptions;
  /** Relays (by ID) that failed a dial recently: tried last. */
  readonly #relayFailures = new RelayFailureMemory();

  constructor(options: GatewayTunnelClientOptions) {
    this.#options = options;
  }

  /** Looks up the gateway and its relay and mints caller certificates for `target`. */
  async prepare(
    gatewayId: string,
    target: GatewayTarget,
    lifetimeMs?: number,
  ): Promise<PreparedTunnel> {
    const { gateways, organizations, cas } = this.#options;
    const gateway = gateways.get(gatewayId);
    if (!gateway || gateway.deletedAt !== null) throw new NotFoundError('Gateway not found');
    const holding = this.relaysOf(gateway);
    if (holding.length === 0) throw new InvalidRequestError(`Gateway ${gateway.name} has no relay`);
    const org = organizations.get(gateway.orgId);
    if (!org) throw new NotFoundError('Organization not found');
    const routes = await Promise.all(
      holding.map(async (relay) => ({
        relay,
        credentials: await issueCallerCredentials(cas, {
          org,
          gateway,
          relay,
          ...target,
          ...(lifetimeMs === undefined ? {} : { lifetimeMs }),
        }),
      })),
    );
    const first = routes[0] as TunnelRoute;
    return { gateway, relay: first.relay, credentials: first.credentials, routes };
  }

  /**
   * The relays that hold the gateway: registered with in the last day, most recent first, then
   * its current relay if missing; relays that failed a dial recently go last. Deleted relays
   * only with `includeDeleted` (gateway-commands.ts reaches a gateway through one it still holds).
   */
  relaysOf(
    gateway: Gateway,
    now = Date.now(),
    options: { includeDeleted?: boolean } = {},
  ): Relay[] {
    const { gateways, relays } = this.#options;
    const ids = gateways.relayIdsOf(gateway.id, now - GATEWAY_RELAY_REGISTRATION_MAX_AGE_MS);
    if (gateway.relayId !== null && !ids.includes(gateway.relayId)) ids.push(gateway.relayId);
    const found = ids
      .map((id) => relays.get(id))
      .filter(
        (relay): relay is Relay =>
          relay !== undefined && (options.includeDeleted === true || relay.deletedAt === null),
      );
    return this.#relayFailures.order(found, (relay) => relay.id, now);
  }

  /**
   * Dials one stream through a prepared tunnel ({@link tryRelays}: relay after relay until one
   * works, recently failed relays last); rejects with the relay's own error when there is one,
   * else with a RelayFailoverError naming every relay tried.
   */
  async dial(prepared: PreparedTunnel, alpn: AlpnName | AlpnName[]): Promise<tls.TLSSocket> {
    const routes = prepared.routes ?? [
      { relay: prepared.relay, credentials: prepared.credentials },
    ];
    try {
      const { value } = await tryRelays({
        routes,
        keyOf: (route) => route.relay.id,
        label: (route) => `relay ${route.relay.name}`,
        memory: this.#relayFailures,
        deadlineMs: GATEWAY_DIAL_DEADLINE_MS,
        // No dial slot free in this process before the deadline: not the relay's fault.
        isRelayFailure: (error) => !(error instanceof DialError && error.stage === 'dial-slot'),
        attempt: ({ relay, credentials }, deadlineAt) =>
          dialGateway({
            deadlineAt,
            relayHost: relay.host,
            relayPort: relay.tlsPort,
            relay: credentials.relay,
            gateway: credentials.gateway,
            alpn,
            // Pinned: a relay that routes this stream to any other gateway is refused.
            gatewayId: prepared.gateway.id,
          }),
      });
      return value;
    } catch (error) {
      // Through a single relay, its own error says it best.
      if (error instanceof RelayFailoverError && routes.length === 1) throw error.cause;
      throw error;
    }
  }

  /** Prepares and dials one stream. */
  async open(
    gatewayId: string,
    options: GatewayTarget & { alpn: AlpnName | AlpnName[] },
  ): Promise<tls.TLSSocket> {
    const prepared = await this.prepare(gatewayId, options);
    return this.dial(prepared, options.alpn);
  }

  /** Runs `fn` with a loopback port that tunnels every connection to `target` (see above). */
  async withGatewayTunnel<T>(
    gatewayId: string,
    target: GatewayTarget & { alpn?: AlpnName },
    fn: (port: number) => Promise<T>,
  ): Promise<T> {
    const prepared = await this.prepare(gatewayId, target);
    return withLoopbackTunnel(() => this.dial(prepared, target.alpn ?? ALPN.tcpProxy), fn);
  }
}

/**
 * Listens on 127.0.0.1:0 while `fn` runs; splices each accepted connection with a stream from
 * `dial` ({@link spliceStreams}: every byte either side accepted is delivered, half-close passes
 * through, a reset reaches the other side as a reset).
 */
export async function withLoopbackTunnel<T>(
  dial: () => Promise<net.Socket>,
  fn: (port: number) => Promise<T>,
): Promise<T> {
  const sockets = new Set<net.Socket>();
  // Half-open: a client's EOF must not end the tunnel's answer (spliceStreams passes it on).
  const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (local) => {
    sockets.add(local);
    local.once('close', () => sockets.delete(local));
    local.pause();
    dial().then(
      (remote) => {
        sockets.add(remote);
        remote.once('close', () => sockets.delete(remote));
        void spliceStreams(local, remote);
      },
      () => local.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  try {
    return await fn((server.address() as net.AddressInfo).port);
  } finally {
    server.close();
    for (const socket of sockets) socket.destroy();
  }
}

/**
 * Function form of {@link GatewayTunnelClient.withGatewayTunnel}, the reference's
 * `withGatewayV2Proxy`: `fn` gets a loopback port tunnelled to `target` through the gateway.
 *
 * @example
 *   await withGatewayTunnel(context.tunnel, gatewayId, { targetHost: 'db', targetPort: 5432 }, async (port) => {
 *     // connect a normal client to 127.0.0.1:port
 *   });
 */
export function withGatewayTunnel<T>(
  tunnel: GatewayTunnelClient,
  gatewayId: string,
  target: GatewayTarget & { alpn?: AlpnName },
  fn: (port: number) => Promise<T>,
): Promise<T> {
  return tunnel.withGatewayTunnel(gatewayId, target, fn);
}
