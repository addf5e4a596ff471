import net from 'node:net';
import type tls from 'node:tls';
import { ALPN, dialGateway, type AlpnName } from '@burrow/tunnel-protocol';
import { HttpError } from '../app/http-error.ts';
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
 */
export interface GatewayTarget {
  targetHost: string;
  targetPort: number;
}

export interface PreparedTunnel {
  gateway: Gateway;
  relay: Relay;
  credentials: CallerCredentials;
}

export interface GatewayTunnelClientOptions {
  cas: CertificateAuthorities;
  gateways: GatewayStore;
  relays: RelayStore;
  organizations: OrganizationStore;
}

export class GatewayTunnelClient {
  readonly #options: GatewayTunnelClientOptions;

  constructor(options: GatewayTunnelClientOptions) {
    this.#options = options;
  }

  /** Looks up the gateway and its relay and mints caller certificates for `target`. */
  async prepare(
    gatewayId: string,
    target: GatewayTarget,
    lifetimeMs?: number,
  ): Promise<PreparedTunnel> {
    const { gateways, relays, organizations, cas } = this.#options;
    const gateway = gateways.get(gatewayId);
    if (!gateway || gateway.deletedAt !== null) throw new HttpError(404, 'Gateway not found');
    const relay = gateway.relayId ? relays.get(gateway.relayId) : undefined;
    if (!relay) throw new HttpError(400, `Gateway ${gateway.name} has no relay`);
    const org = organizations.get(gateway.orgId);
    if (!org) throw new HttpError(404, 'Organization not found');
    const credentials = await issueCallerCredentials(cas, {
      org,
      gateway,
      relay,
      ...target,
      ...(lifetimeMs === undefined ? {} : { lifetimeMs }),
    });
    return { gateway, relay, credentials };
  }

  /** Dials one stream through a prepared tunnel. */
  dial(prepared: PreparedTunnel, alpn: AlpnName | AlpnName[]): Promise<tls.TLSSocket> {
    return dialGateway({
      relayHost: prepared.relay.host,
      relayPort: prepared.relay.tlsPort,
      relay: prepared.credentials.relay,
      gateway: prepared.credentials.gateway,
      alpn,
    });
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
 * Listens on 127.0.0.1:0 while `fn` runs; pipes each accepted connection into a stream from
 * `dial`. Streams end with `end()` so no tail is lost; errors destroy both sides.
 */
export async function withLoopbackTunnel<T>(
  dial: () => Promise<net.Socket>,
  fn: (port: number) => Promise<T>,
): Promise<T> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true }, (local) => {
    sockets.add(local);
    local.once('close', () => sockets.delete(local));
    local.pause();
    dial().then(
      (remote) => {
        sockets.add(remote);
        remote.once('close', () => sockets.delete(remote));
        splice(local, remote);
        local.resume();
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

function splice(a: net.Socket, b: net.Socket): void {
  a.pipe(b);
  b.pipe(a);
  a.once('error', () => b.destroy());
  b.once('error', () => a.destroy());
  a.once('close', () => b.end());
  b.once('close', () => a.end());
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
