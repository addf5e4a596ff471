/**
 * Commands the control plane sends to a live gateway, as a caller through the relays that hold
 * it (reference §4, §5.5). Each is one inner TLS stream with no payload; the ALPN is the command:
 *
 *   cancel a PAM session  ALPN infisical-pam-session-cancellation (the reference's), gateway
 *                         client certificate CN=platform:<gatewayId> carrying the session
 *                         (…100.3 {sessionId, resourceType}), valid for what is left of the
 *                         session (at least a minute). The gateway closes every connection of
 *                         the session, drops its cached credentials, finishes the recording and
 *                         posts …/end (idempotent here), then closes the stream.
 *   check in              ALPN burrow-gateway-check-in (Burrow's), a platform certificate
 *                         (…100.2 {type:"platform"}). The nudge carries no authority: the gateway
 *                         registers again with each of its relays at once and acts on the
 *                         answers — its gateway deleted or its identity gone → it stops; one
 *                         relay deleted → it closes its tunnel to that relay.
 *
 * Why a nudge through the relay (the simplest thing that meets "within 5 s"): heartbeats come
 * every 3 min (gateways) and 30 min (relays); polling would cost every gateway a request every
 * few seconds. The control plane already reaches gateways this way for health probes, so one
 * more stream arrives in well under a second even on a loaded machine, and it needs no new
 * trust: what the gateway does, it does on the control plane's answer to its own request.
 *
 * Best effort, with a deadline ({@link GATEWAY_COMMAND_DEADLINE_MS}): a gateway that cannot be
 * reached gets nothing now (it learns at its next registration or heartbeat, and no new
 * certificate is issued for it or its sessions meanwhile). The outcome is logged, never returned
 * to the API caller, and a command resolves once the gateway has accepted the stream (the action
 * has started there); the stream is then left to close on its own within the deadline.
 */
import type tls from 'node:tls';
import {
  issueGatewayPamClientCertificate,
  issueGatewayPlatformClientCertificate,
  serverCertificateChainPem,
} from '@burrow/pki';
import { ALPN, PLATFORM_CLIENT_CERT_TTL_MS, type TlsCredentials } from '@burrow/tunnel-protocol';
import type { Gateway, GatewayStore } from '../stores/gateway-store.ts';
import type { OrganizationStore } from '../stores/organization-store.ts';
import type { PamSession } from '../stores/pam-session-store.ts';
import { issueRelayClientCredentials } from './caller-credentials.ts';
import type { CertificateAuthorities } from './certificate-authorities.ts';
import type { GatewayTunnelClient, PreparedTunnel } from './gateway-tunnel.ts';

/** Where command outcomes are logged (the request's logger; pino's shape). */
export interface Logger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** A command that has not reached the gateway by then is given up (and logged). */
export const GATEWAY_COMMAND_DEADLINE_MS = 4_000;

/** The shortest cancellation certificate (a session about to expire still gets a usable one). */
const MIN_CANCELLATION_CERT_MS = 60_000;

export type GatewayCommandOutcome = 'delivered' | 'unreachable';

export interface GatewayCommandsOptions {
  cas: CertificateAuthorities;
  gateways: GatewayStore;
  organizations: OrganizationStore;
  tunnel: GatewayTunnelClient;
  deadlineMs?: number;
}

export class GatewayCommands {
  readonly #options: GatewayCommandsOptions;
  readonly #deadlineMs: number;

  constructor(options: GatewayCommandsOptions) {
    this.#options = options;
    this.#deadlineMs = options.deadlineMs ?? GATEWAY_COMMAND_DEADLINE_MS;
  }

  /** Closes a PAM session's live connections at its gateway (deleted gateways included). */
  cancelPamSession(
    session: PamSession,
    logger: Logger | undefined,
    now = Date.now(),
  ): Promise<GatewayCommandOutcome> {
    const gateway = this.#options.gateways.get(session.gatewayId);
    if (!gateway) return Promise.resolve('unreachable');
    const lifetimeMs = Math.max(session.expiresAt - now, MIN_CANCELLATION_CERT_MS);
    return this.#send(
      gateway,
      ALPN.pamSessionCancellation,
      async (issuer) =>
        issueGatewayPamClientCertificate({
          issuer,
          orgId: gateway.orgId,
          gatewayId: gateway.id,
          actor: { type: 'platform', id: 'control-plane', name: 'control-plane' },
          targetHost: 'pam-session-cancellation',
          sessionId: session.id,
          resourceType: session.resourceType,
          keyAlgorithm: this.#options.cas.keyAlgorithm,
          lifetimeMs,
        }),
      logger,
      { sessionId: session.id },
    );
  }

  /** Tells a gateway to check its standing now (after it, its identity or a relay was deleted). */
  checkIn(gatewayId: string, logger: Logger | undefined): Promise<GatewayCommandOutcome> {
    const gateway = this.#options.gateways.get(gatewayId);
    if (!gateway) return Promise.resolve('unreachable');
    return this.#send(
      gateway,
      ALPN.gatewayCheckIn,
      async (issuer) =>
        issueGatewayPlatformClientCertificate({
          issuer,
          orgId: gateway.orgId,
          gatewayId: gateway.id,
          targetHost: 'check-in',
          targetPort: 0,
          keyAlgorithm: this.#options.cas.keyAlgorithm,
          lifetimeMs: PLATFORM_CLIENT_CERT_TTL_MS,
        }),
      logger,
    );
  }

  async #send(
    gateway: Gateway,
    alpn: (typeof ALPN)[keyof typeof ALPN],
    gatewayClient: (
      issuer: Awaited<ReturnType<CertificateAuthorities['x509']>>,
    ) => Promise<{ certificatePem: string; privateKeyPem: string }>,
    logger: Logger | undefined,
    logFields: Record<string, unknown> = {},
  ): Promise<GatewayCommandOutcome> {
    const fields = { gatewayId: gateway.id, command: alpn, ...logFields };
    const deadline = AbortSignal.timeout(this.#deadlineMs);
    try {
      const prepared = await this.#prepare(gateway, gatewayClient);
      if (prepared.routes.length === 0) {
        logger?.info(fields, 'gateway command not sent: the gateway holds no relay');
        return 'unreachable';
      }
      const socket = await raceDeadline(this.#options.tunnel.dial(prepared, alpn), deadline);
      closeWithin(socket, this.#deadlineMs);
      logger?.info(fields, 'gateway command delivered');
      return 'delivered';
    } catch (error) {
      // Another host's words are logged here, never answered to the API caller.
      logger?.warn(
        { ...fields, error: error instanceof Error ? error.message : String(error) },
        'gateway command not delivered',
      );
      return 'unreachable';
    }
  }

  async #prepare(
    gateway: Gateway,
    gatewayClient: (
      issuer: Awaited<ReturnType<CertificateAuthorities['x509']>>,
    ) => Promise<{ certificatePem: string; privateKeyPem: string }>,
  ): Promise<PreparedTunnel> {
    const { cas, organizations, tunnel } = this.#options;
    const org = organizations.get(gateway.orgId);
    if (!org) throw new Error(`organization ${gateway.orgId} not found`);
    // Deleted relays too: a gateway still holds its tunnel to a relay that was just deleted.
    const relays = tunnel.relaysOf(gateway, Date.now(), { includeDeleted: true });
    const [issuer, serverCa] = await Promise.all([
      cas.x509(gateway.orgId, 'gateway-client'),
      cas.x509(gateway.orgId, 'gateway-server'),
    ]);
    const client = await gatewayClient(issuer);
    const gatewayCredentials: TlsCredentials = {
      certificate: client.certificatePem,
      privateKey: client.privateKeyPem,
      serverCertificateChain: serverCertificateChainPem(serverCa),
    };
    const routes = await Promise.all(
      relays.map(async (relay) => ({
        relay,
        credentials: {
          relay: await issueRelayClientCredentials(cas, relay, {
            orgId: org.id,
            orgName: org.name,
            gatewayId: gateway.id,
            gatewayName: gateway.name,
            lifetimeMs: PLATFORM_CLIENT_CERT_TTL_MS,
          }),
          gateway: gatewayCredentials,
        },
      })),
    );
    const first = routes[0];
    return {
      gateway,
      relay: first?.relay as PreparedTunnel['relay'],
      credentials: first?.credentials as PreparedTunnel['credentials'],
      routes,
    };
  }
}

function raceDeadline<T>(promise: Promise<T>, deadline: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('no answer within the command deadline'));
    deadline.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        deadline.removeEventListener('abort', onAbort);
        if (deadline.aborted && isSocket(value)) value.destroy();
        resolve(value);
      },
      (error: unknown) => {
        deadline.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

function isSocket(value: unknown): value is tls.TLSSocket {
  return typeof (value as tls.TLSSocket | undefined)?.destroy === 'function';
}

/** The gateway ends the stream when its action is done; it is destroyed if it has not by then. */
function closeWithin(socket: tls.TLSSocket, ms: number): void {
  socket.on('error', () => undefined);
  socket.resume();
  const timer = setTimeout(() => socket.destroy(), ms);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
