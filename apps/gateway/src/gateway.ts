/**
 * The gateway: everything `burrow-gateway start` runs, wired together (reference §5.1).
 *
 *   login (machine identity)                      -> access token, renewed in the background
 *   register  POST /api/v2/gateways               -> gatewayId, relay address, inner TLS + SSH
 *                                                    credentials (a 4xx at start is fatal: the
 *                                                    relay name or the identity is wrong; other
 *                                                    failures are retried with backoff)
 *   dial the relay, serve its channels            -> RelayTunnel (reconnects with backoff,
 *                                                    re-registering before each new dial)
 *   first connection                              -> log "Gateway started successfully",
 *                                                    start the heartbeat
 *   every 6 h                                     -> register again: new inner TLS context for
 *                                                    new channels, new SSH cert for the next dial;
 *                                                    open streams are not touched
 *   stop()                                        -> close the relay connection, every stream and
 *                                                    every timer
 */
import type { LoginOptions } from '@burrow/auth-methods';
import { MachineIdentitySession } from '@burrow/auth-methods';
import {
  ALPN,
  CERTIFICATE_RENEWAL_INTERVAL_MS,
  INNER_TLS_HANDSHAKE_TIMEOUT_MS,
  ReconnectBackoff,
} from '@burrow/tunnel-protocol';
import type { Logger } from 'pino';
import type { ActionHandler } from './actions/action.ts';
import { handleHealth } from './actions/health.ts';
import { handlePing } from './actions/ping.ts';
import { createPamCapabilitiesHandler } from './actions/pam-capabilities.ts';
import { createPamProxyHandler } from './actions/pam-proxy.ts';
import { createPamSessionCancellationHandler } from './actions/pam-session-cancellation.ts';
import { createTcpProxyHandler } from './actions/tcp-proxy.ts';
import type { GatewayConfig } from './gateway-config.ts';
import { GatewayHeartbeat } from './gateway-heartbeat.ts';
import type { GatewayRegistration } from './gateway-registration.ts';
import { registerGateway } from './gateway-registration.ts';
import { InnerTlsServer } from './inner-tls-server.ts';
import { createPamPlatformClient } from './pam/pam-platform-client.ts';
import { PamSessions } from './pam/pam-sessions.ts';
import { PlatformError, postPlatformJson } from './platform-request.ts';
import type { RelayDialer } from './relay-dialer.ts';
import { RelayTunnel } from './relay-tunnel.ts';

/** After a failed certificate renewal, try again this soon (certificates live a day). */
export const RENEWAL_RETRY_INTERVAL_MS = 5 * 60 * 1000;

/** Something that holds a fresh access token (MachineIdentitySession). */
export interface AccessTokenSource {
  readonly accessToken: string;
  close(): void;
}

export interface GatewayDependencies {
  login: (apiUrl: string, options: LoginOptions) => Promise<AccessTokenSource>;
  dialRelay: RelayDialer;
}

export interface GatewayTuning {
  renewalIntervalMs?: number;
  renewalRetryIntervalMs?: number;
  handshakeTimeoutMs?: number;
  heartbeatRetryIntervalMs?: number;
  heartbeatIntervalMs?: number;
  backoff?: ReconnectBackoff;
  /** How often PAM recordings are uploaded (default 10 s). */
  pamUploadIntervalMs?: number;
}

export class Gateway {
  private readonly config: GatewayConfig;
  private readonly logger: Logger;
  private readonly dependencies: GatewayDependencies;
  private readonly tuning: GatewayTuning;
  private readonly stopController = new AbortController();
  private session: AccessTokenSource | undefined;
  private innerTls: InnerTlsServer | undefined;
  private heartbeat: GatewayHeartbeat | undefined;
  private tunnel: RelayTunnel<GatewayRegistration> | undefined;
  private renewalTimer: NodeJS.Timeout | undefined;
  private gatewayId: string | undefined;
  private pamSessions: PamSessions | undefined;

  constructor(
    config: GatewayConfig,
    logger: Logger,
    dependencies: Partial<GatewayDependencies> & Pick<GatewayDependencies, 'dialRelay'>,
    tuning: GatewayTuning = {},
  ) {
    this.config = config;
    this.logger = logger;
    this.dependencies = {
      login: (apiUrl, options) => MachineIdentitySession.login(apiUrl, options),
      ...dependencies,
    };
    this.tuning = tuning;
  }

  /**
   * Logs in, registers and starts the relay tunnel. Resolves once the tunnel is started (the
   * first dial may still be under way); rejects when login or the first registration is refused.
   */
  async start(): Promise<void> {
    const { config, logger } = this;
    logger.info(
      {
        name: config.name,
        relay: config.relayName,
        apiUrl: config.apiUrl,
        authMethod: config.login.method,
      },
      'starting gateway',
    );
    this.session = await this.dependencies.login(config.apiUrl, config.login);
    if (this.stopped) return;
    logger.info({ authMethod: config.login.method }, 'logged in');

    const registration = await this.registerAtStart();
    if (this.stopped || registration === undefined) return;
    this.gatewayId = registration.gatewayId;
    logger.info(
      { gatewayId: registration.gatewayId, relayHost: registration.relayHost },
      'gateway registered',
    );

    this.pamSessions = new PamSessions({
      platform: createPamPlatformClient(config.apiUrl, () => this.accessToken()),
      recordingDir: config.pamSessionRecordingPath,
      logger: logger.child({ component: 'pam' }),
      ...(this.tuning.pamUploadIntervalMs !== undefined
        ? { uploadIntervalMs: this.tuning.pamUploadIntervalMs }
        : {}),
    });
    this.pamSessions.start();
    const actions: Record<string, ActionHandler> = {
      [ALPN.tcpProxy]: createTcpProxyHandler(),
      [ALPN.ping]: handlePing,
      [ALPN.health]: handleHealth,
      [ALPN.pamProxy]: createPamProxyHandler(this.pamSessions),
      [ALPN.pamCapabilities]: createPamCapabilitiesHandler(config.name),
      [ALPN.pamSessionCancellation]: createPamSessionCancellationHandler(this.pamSessions),
    };
    this.innerTls = new InnerTlsServer({
      credentials: registration.pki,
      actions,
      logger: logger.child({ component: 'inner-tls' }),
      handshakeTimeoutMs: this.tuning.handshakeTimeoutMs ?? INNER_TLS_HANDSHAKE_TIMEOUT_MS,
    });
    this.heartbeat = new GatewayHeartbeat({
      send: (signal) => this.sendHeartbeat(signal),
      logger: logger.child({ component: 'heartbeat' }),
      ...(this.tuning.heartbeatRetryIntervalMs !== undefined
        ? { retryIntervalMs: this.tuning.heartbeatRetryIntervalMs }
        : {}),
      ...(this.tuning.heartbeatIntervalMs !== undefined
        ? { intervalMs: this.tuning.heartbeatIntervalMs }
        : {}),
    });
    const innerTls = this.innerTls;
    const heartbeat = this.heartbeat;
    this.tunnel = new RelayTunnel<GatewayRegistration>({
      register: (signal) => this.register(signal),
      dial: this.dependencies.dialRelay,
      onChannel: (channel) => innerTls.handleChannel(channel),
      onRegistered: (fresh) => this.apply(fresh),
      onConnected: (current, { reconnect, attempt }) => {
        const where = {
          gatewayId: current.gatewayId,
          relay: config.relayName,
          relayAddress: `${current.relaySshHost}:${current.relaySshPort}`,
        };
        if (!reconnect) {
          logger.info(where, 'Gateway started successfully');
          heartbeat.start();
        } else {
          logger.info({ ...where, attempt }, 'reconnected to relay');
          heartbeat.soon();
        }
      },
      logger: logger.child({ component: 'relay-tunnel' }),
      ...(this.tuning.backoff ? { backoff: this.tuning.backoff } : {}),
    });
    this.tunnel.start(registration);
    this.scheduleRenewal(this.tuning.renewalIntervalMs ?? CERTIFICATE_RENEWAL_INTERVAL_MS);
  }

  /** Closes the relay connection, every open stream and every timer. */
  async stop(): Promise<void> {
    this.stopController.abort();
    clearTimeout(this.renewalTimer);
    this.heartbeat?.stop();
    await this.pamSessions?.stop();
    this.innerTls?.close();
    await this.tunnel?.stop();
    this.innerTls?.close(); // channels that arrived while the tunnel was closing
    this.session?.close();
  }

  /** Inner TLS streams open right now. */
  get activeStreams(): number {
    return this.innerTls?.activeStreams ?? 0;
  }

  private get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  private register(signal?: AbortSignal): Promise<GatewayRegistration> {
    return registerGateway({
      apiUrl: this.config.apiUrl,
      accessToken: this.accessToken(),
      relayName: this.config.relayName,
      name: this.config.name,
      signal: signal
        ? AbortSignal.any([signal, this.stopController.signal])
        : this.stopController.signal,
    });
  }

  /**
   * The first registration. A client error (unknown relay, bad name, identity not allowed) will
   * not fix itself: it is fatal. An unreachable or failing control plane is retried with backoff.
   */
  private async registerAtStart(): Promise<GatewayRegistration | undefined> {
    const backoff = this.tuning.backoff ?? new ReconnectBackoff();
    for (let attempt = 1; ; attempt++) {
      try {
        const registration = await this.register();
        backoff.reset();
        return registration;
      } catch (error) {
        if (this.stopped) return undefined;
        if (error instanceof PlatformError && error.isClientError) throw error;
        const delayMs = backoff.next();
        this.logger.warn(
          { error: errorMessage(error), attempt, delayMs },
          'gateway registration failed; retrying',
        );
        await sleep(delayMs, this.stopController.signal);
        if (this.stopped) return undefined;
      }
    }
  }

  /** New credentials: the inner TLS server uses them for channels that arrive from now on. */
  private apply(registration: GatewayRegistration): void {
    if (this.gatewayId !== undefined && registration.gatewayId !== this.gatewayId) {
      this.logger.warn(
        { previousGatewayId: this.gatewayId, gatewayId: registration.gatewayId },
        'the control plane assigned a new gateway ID',
      );
    }
    this.gatewayId = registration.gatewayId;
    this.innerTls?.updateCredentials(registration.pki);
  }

  private scheduleRenewal(delayMs: number): void {
    clearTimeout(this.renewalTimer);
    if (this.stopped) return;
    this.renewalTimer = setTimeout(() => void this.renew(), delayMs);
    this.renewalTimer.unref();
  }

  private async renew(): Promise<void> {
    try {
      const registration = await this.register();
      if (this.stopped) return;
      this.apply(registration);
      this.tunnel?.useRegistration(registration);
      this.logger.info({ gatewayId: registration.gatewayId }, 'certificates renewed');
      this.scheduleRenewal(this.tuning.renewalIntervalMs ?? CERTIFICATE_RENEWAL_INTERVAL_MS);
    } catch (error) {
      if (this.stopped) return;
      const retryInMs = this.tuning.renewalRetryIntervalMs ?? RENEWAL_RETRY_INTERVAL_MS;
      this.logger.warn({ error: errorMessage(error), retryInMs }, 'certificate renewal failed');
      this.scheduleRenewal(retryInMs);
    }
  }

  private async sendHeartbeat(signal: AbortSignal): Promise<void> {
    // capabilities is omitted while there is none to report (reference §5.7).
    await postPlatformJson({
      apiUrl: this.config.apiUrl,
      path: '/v2/gateways/heartbeat',
      accessToken: this.accessToken(),
      body: {},
      signal,
    });
  }

  private accessToken(): string {
    if (!this.session) throw new Error('not logged in');
    return this.session.accessToken;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
