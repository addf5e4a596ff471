/**
 * The gateway: everything `burrow-gateway start` runs, wired together (reference §5.1).
 *
 *   login (machine identity)                      -> access token, renewed in the background
 *   register  POST /api/v2/gateways               -> gatewayId, relay address, inner TLS + SSH
 *                                                    credentials (a 4xx at start is fatal: the
 *                                                    relay name or the identity is wrong; other
 *                                                    failures are retried with backoff)
 *   no relay named                                -> select one (tunnel/relay-selection.ts), and
 *                                                    again before each re-dial: failover
 *   dial the relay, serve its channels            -> RelayTunnel (reconnects with backoff,
 *                                                    re-registering before each new dial); with
 *                                                    several relays (--target-relay-name a,b) one
 *                                                    RelayTunnel per relay, all live at once, each
 *                                                    registered for its relay
 *   drain notice from a relay                     -> that relay no longer counts as serving until
 *                                                    its connection closes; open streams go on
 *   first connection                              -> log "Gateway started successfully",
 *                                                    start the heartbeat
 *   every 6 h                                     -> register again: new inner TLS context for
 *                                                    new channels, new SSH cert for the next dial;
 *                                                    open streams are not touched
 *   refused by the control plane (standing)       -> see checkStanding(): its gateway deleted or
 *                                                    its identity gone -> stop (revoked); one relay
 *                                                    unknown -> close the tunnel to that relay
 *                                                    (an auto-selected one: select another)
 *   stop()                                        -> close the relay connection, every stream and
 *                                                    every timer
 *
 * With `metricsListen`: /healthz, /readyz (at least one relay tunnel up and not draining) and
 * /metrics (gateway-metrics.ts).
 */
import type { LoginOptions } from '@burrow/auth-methods';
import {
  MachineIdentitySession,
  resourceAccessToken,
  type ResourceCredential,
} from '@burrow/auth-methods';
import { notifyReady } from '@burrow/systemd-install';
import {
  ALPN,
  CERTIFICATE_RENEWAL_INTERVAL_MS,
  INNER_TLS_HANDSHAKE_TIMEOUT_MS,
  ReconnectBackoff,
  startPeriodicTask,
  type Clock,
  type PeriodicTask,
} from '@burrow/tunnel-protocol';
import type { ObservabilityServer } from '@burrow/observability';
import { startObservabilityServer } from '@burrow/observability';
import { parseSshCertificate } from '@burrow/pki';
import type { Logger } from '@burrow/observability';
import { PlatformClient, PlatformError, routes } from '@burrow/platform-api';
import type { ActionHandler } from './actions/action.ts';
import { handleHealth } from './actions/health.ts';
import { handlePing } from './actions/ping.ts';
import { createPamCapabilitiesHandler } from './actions/pam-capabilities.ts';
import { createPamProxyHandler } from './actions/pam-proxy.ts';
import { createPamSessionCancellationHandler } from './actions/pam-session-cancellation.ts';
import { createGatewayCheckInHandler } from './actions/gateway-check-in.ts';
import { createTcpProxyHandler } from './actions/tcp-proxy.ts';
import { createHttpProxyHandler } from './actions/http-proxy.ts';
import { createConnectionTestHandler } from './actions/connection-test.ts';
import type { GatewayConfig } from './ops/gateway-config.ts';
import { sniffDrainNotice } from './tunnel/drain-notice-sniffer.ts';
import { selectRelay } from './tunnel/relay-selection.ts';
import { GatewayHeartbeat } from './platform/gateway-heartbeat.ts';
import { GatewayMetrics } from './ops/gateway-metrics.ts';
import { packageVersion } from './ops/package-version.ts';
import type { GatewayRegistration } from './platform/gateway-registration.ts';
import { registerGateway } from './platform/gateway-registration.ts';
import { InnerTlsServer } from './tunnel/inner-tls-server.ts';
import { createPamPlatformClient } from './platform/pam-platform-client.ts';
import { PamSessions } from './pam/pam-sessions.ts';
import { createPostgresPamProtocol } from './pam/postgres/postgres-pam-protocol.ts';
import { createHttpPamProtocol } from './pam/http/http-pam-protocol.ts';
import { HTTP_RESOURCE_TYPE, KUBERNETES_RESOURCE_TYPE } from './pam/http/http-credentials.ts';
import { cachedPamSshHostKey } from './pam/ssh/ssh-host-key.ts';
import { createSshPamProtocol } from './pam/ssh/ssh-pam-protocol.ts';
import type { RelayDialer } from './tunnel/relay-dialer.ts';
import { RelayTunnel } from './tunnel/relay-tunnel.ts';

/** After a failed certificate renewal, try again this soon (certificates live a day). */
export const RENEWAL_RETRY_INTERVAL_MS = 5 * 60 * 1000;

/** Something that holds a fresh access token (MachineIdentitySession). */
export interface AccessTokenSource {
  readonly accessToken: string;
  close(): void;
}

export interface GatewayDependencies {
  /** `headers`: INFISICAL_CUSTOM_HEADERS, for the login requests too. */
  login: (
    apiUrl: string,
    options: LoginOptions,
    headers: Readonly<Record<string, string>>,
  ) => Promise<AccessTokenSource>;
  dialRelay: RelayDialer;
}

export interface GatewayTuning {
  renewalIntervalMs?: number;
  renewalRetryIntervalMs?: number;
  handshakeTimeoutMs?: number;
  heartbeatRetryIntervalMs?: number;
  heartbeatIntervalMs?: number;
  backoff?: ReconnectBackoff;
  /** The heartbeat's and the renewal's clock (default: real time). */
  clock?: Clock;
  /** How often PAM recordings are uploaded (default 10 s). */
  pamUploadIntervalMs?: number;
}

/** One relay the gateway holds a tunnel to. */
interface RelayLink {
  /** Changes only for an auto-selected link, when it fails over to another relay. */
  relayName: string;
  /** No relay was named: this link selects its relay and fails over (reference §5.8). */
  readonly autoSelect: boolean;
  tunnel: RelayTunnel<GatewayRegistration> | undefined;
  /** The relay sent its drain notice on the current connection. */
  draining: boolean;
}

export class Gateway {
  readonly metrics = new GatewayMetrics();
  private readonly config: GatewayConfig;
  private readonly logger: Logger;
  private readonly dependencies: GatewayDependencies;
  private readonly tuning: GatewayTuning;
  private readonly stopController = new AbortController();
  /** Every control-plane call, with the current machine identity token. */
  private readonly platform: PlatformClient;
  private session: AccessTokenSource | undefined;
  private innerTls: InnerTlsServer | undefined;
  private heartbeat: GatewayHeartbeat | undefined;
  private readonly links: RelayLink[];
  private observability: ObservabilityServer | undefined;
  private connectedOnce = false;
  private renewal: PeriodicTask | undefined;
  private gatewayId: string | undefined;
  private pamSessions: PamSessions | undefined;
  private standingCheck: Promise<void> | undefined;
  private resolveRevoked: (reason: string) => void = () => undefined;
  /**
   * Resolves with the control plane's reason once it has revoked this gateway (deleted it, or
   * its identity); by then the gateway has stopped. burrow-gateway exits on it.
   */
  readonly revoked: Promise<string> = new Promise((resolve) => {
    this.resolveRevoked = resolve;
  });

  constructor(
    config: GatewayConfig,
    logger: Logger,
    dependencies: Partial<GatewayDependencies> & Pick<GatewayDependencies, 'dialRelay'>,
    tuning: GatewayTuning = {},
  ) {
    this.config = config;
    this.logger = logger;
    this.dependencies = {
      login: (apiUrl, options, headers) => MachineIdentitySession.login(apiUrl, options, headers),
      ...dependencies,
    };
    this.tuning = tuning;
    this.platform = new PlatformClient({
      apiUrl: config.apiUrl,
      headers: config.customHeaders ?? {},
      token: () => this.accessToken(),
      agentVersion: `burrow-gateway/${packageVersion()}`,
    });
    const named = config.relayNames ?? (config.relayName !== undefined ? [config.relayName] : []);
    this.links =
      named.length > 0
        ? named.map((relayName) => ({
            relayName,
            autoSelect: false,
            tunnel: undefined,
            draining: false,
          }))
        : [{ relayName: '', autoSelect: true, tunnel: undefined, draining: false }];
    this.metrics.relayStates = () =>
      this.links.map((link) => ({
        relay: link.relayName,
        up: link.tunnel?.connected ?? false,
        draining: link.draining,
      }));
    this.metrics.openStreams = () => this.activeStreams;
  }

  /**
   * Logs in, registers and starts the relay tunnel. Resolves once the tunnel is started (the
   * first dial may still be under way); rejects when login or the first registration is refused.
   */
  async start(): Promise<void> {
    const { config, logger } = this;
    logger.info(
      {
        gatewayName: config.name,
        relays: this.links.map((link) => (link.autoSelect ? '(auto-select)' : link.relayName)),
        apiUrl: config.apiUrl,
        authMethod: config.login.method,
      },
      'starting gateway',
    );
    this.session = await this.logIn();
    if (this.stopped) return;

    const registrations: GatewayRegistration[] = [];
    for (const link of this.links) {
      const registered = await this.registerAtStart(link);
      if (this.stopped || registered === undefined) return;
      registrations.push(registered);
    }
    const registration = registrations[0] as GatewayRegistration;
    this.gatewayId = registration.gatewayId;
    // Only now: a token given as is (token auth) is first checked by the registration.
    logger.info({ authMethod: config.login.method }, 'logged in');
    logger.info(
      { gatewayId: registration.gatewayId, relayHost: registration.relayHost },
      'gateway registered',
    );

    const sshHostKey = cachedPamSshHostKey(() => {
      if (!this.pamSessions) throw new Error('PAM sessions are not running');
      return this.pamSessions.recordings.directory();
    });
    this.pamSessions = new PamSessions({
      protocols: [
        createPostgresPamProtocol(),
        createHttpPamProtocol(HTTP_RESOURCE_TYPE),
        createHttpPamProtocol(KUBERNETES_RESOURCE_TYPE),
        createSshPamProtocol({ hostKey: sshHostKey }),
      ],
      platform: createPamPlatformClient(this.platform),
      recordingDir: config.pamSessionRecordingPath,
      ...(config.pamSessionRecordingMaxBytes !== undefined
        ? { recordingMaxBytes: config.pamSessionRecordingMaxBytes }
        : {}),
      onRecordingStorageFull: this.metrics.recordingStorageFull,
      logger: logger.child({ component: 'pam' }),
      ...(this.tuning.pamUploadIntervalMs !== undefined
        ? { uploadIntervalMs: this.tuning.pamUploadIntervalMs }
        : {}),
    });
    this.pamSessions.start();
    this.metrics.observeRecordings(this.pamSessions.recordings);
    const actions: Record<string, ActionHandler> = {
      [ALPN.tcpProxy]: createTcpProxyHandler(),
      [ALPN.httpProxy]: createHttpProxyHandler(),
      [ALPN.connectionTest]: createConnectionTestHandler(),
      [ALPN.ping]: handlePing,
      [ALPN.health]: handleHealth,
      [ALPN.pamProxy]: createPamProxyHandler(this.pamSessions),
      [ALPN.pamCapabilities]: createPamCapabilitiesHandler(
        config.name,
        this.pamSessions.resourceTypes,
        async () => (await sshHostKey()).publicKeyLine,
      ),
      [ALPN.pamSessionCancellation]: createPamSessionCancellationHandler(this.pamSessions),
      [ALPN.gatewayCheckIn]: createGatewayCheckInHandler(() => void this.checkStanding()),
    };
    this.innerTls = new InnerTlsServer({
      credentials: registration.pki,
      gatewayId: registration.gatewayId,
      actions,
      logger: logger.child({ component: 'inner-tls' }),
      handshakeTimeoutMs: this.tuning.handshakeTimeoutMs ?? INNER_TLS_HANDSHAKE_TIMEOUT_MS,
      observer: {
        handshakeFailed: (reason) => this.metrics.handshakeFailures.inc({ reason }),
        streamOpened: (action) => this.metrics.streams.inc({ action }),
        setupStageDone: this.metrics.setupStageDone,
      },
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
      ...(this.tuning.clock ? { clock: this.tuning.clock } : {}),
    });
    const innerTls = this.innerTls;
    const heartbeat = this.heartbeat;
    this.links.forEach((link, index) => {
      const tunnel = new RelayTunnel<GatewayRegistration>({
        register: async (signal) => {
          if (link.autoSelect) await this.failOver(link);
          return this.register(link.relayName, signal);
        },
        dial: this.dependencies.dialRelay,
        onChannel: (channel) => {
          const acceptedAt = performance.now();
          sniffDrainNotice(
            channel,
            () => this.onDrainNotice(link),
            (stream) => innerTls.handleChannel(stream, acceptedAt),
          );
        },
        onRegistered: (fresh) => this.apply(fresh, link.relayName),
        onConnected: (current, { reconnect, attempt }) => {
          link.draining = false;
          const where = {
            gatewayId: current.gatewayId,
            relay: link.relayName,
            relayAddress: `${current.relaySshHost}:${current.relaySshPort}`,
          };
          if (reconnect) this.metrics.reconnects.inc({ relay: link.relayName });
          if (!this.connectedOnce) {
            this.connectedOnce = true;
            logger.info(where, 'Gateway started successfully');
            heartbeat.start();
            announceReady(logger);
          } else if (!reconnect) {
            logger.info(where, 'connected to relay');
            heartbeat.soon();
          } else {
            logger.info({ ...where, attempt }, 'reconnected to relay');
            heartbeat.soon();
          }
        },
        logger: logger.child({
          component: 'relay-tunnel',
          relay: link.autoSelect ? '(auto-selected)' : link.relayName,
        }),
        ...(this.tuning.backoff ? { backoff: this.tuning.backoff } : {}),
      });
      link.tunnel = tunnel;
      const linkRegistration = registrations[index] as GatewayRegistration;
      this.recordSshExpiry(linkRegistration, link.relayName);
      tunnel.start(linkRegistration);
    });
    this.metrics.certificateExpiry.setX509('inner-tls-server', registration.pki.serverCertificate);
    if (config.metricsListen !== undefined) {
      this.observability = await startObservabilityServer({
        listen: config.metricsListen,
        registry: this.metrics.registry,
        readiness: () => this.readiness(),
      });
      logger.info(
        { metricsPort: this.observability.address.port, host: this.observability.address.host },
        'serving /healthz, /readyz and /metrics',
      );
    }
    this.startRenewal();
  }

  /** Closes the relay connection, every open stream and every timer. */
  async stop(): Promise<void> {
    this.stopController.abort();
    this.renewal?.stop();
    this.heartbeat?.stop();
    await this.pamSessions?.stop();
    this.innerTls?.close();
    await Promise.all(this.links.map((link) => link.tunnel?.stop()));
    await this.observability?.close();
    this.innerTls?.close(); // channels that arrived while the tunnel was closing
    this.session?.close();
  }

  /** Inner TLS streams open right now. */
  get activeStreams(): number {
    return this.innerTls?.activeStreams ?? 0;
  }

  /** Where /healthz, /readyz and /metrics are served, when enabled. */
  get metricsAddress(): { host: string; port: number } | undefined {
    return this.observability?.address;
  }

  /** Ready = at least one relay tunnel is up and that relay is not draining. */
  readiness(): { ready: boolean; reason?: string } {
    if (this.links.some((link) => link.tunnel?.connected && !link.draining)) return { ready: true };
    const draining = this.links.filter((link) => link.draining).map((link) => link.relayName);
    return {
      ready: false,
      reason:
        draining.length > 0 ? `relays draining: ${draining.join(', ')}` : 'no relay tunnel is up',
    };
  }

  private onDrainNotice(link: RelayLink): void {
    link.draining = true;
    this.metrics.drainNotices.inc({ relay: link.relayName });
    this.logger.info(
      {
        relay: link.relayName,
        otherRelaysUp: this.links.filter((l) => l !== link && l.tunnel?.connected).length,
      },
      'relay is draining: callers move to the other relays; open streams go on until it closes',
    );
  }

  private recordSshExpiry(registration: GatewayRegistration, relayName: string): void {
    try {
      const validBefore = parseSshCertificate(registration.ssh.clientCertificate).validBefore;
      this.metrics.certificateExpiry.set(`ssh-${relayName}`, new Date(Number(validBefore) * 1000));
    } catch {
      // The dial checks the certificate; the metric is best effort.
    }
  }

  private get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  /**
   * A machine identity session, or an enrolled gateway's access token (enrolled once with its
   * enrollment token and kept in its state file, or given; it is not renewed).
   */
  private async logIn(): Promise<AccessTokenSource> {
    const { apiUrl, customHeaders: headers = {}, login } = this.config;
    if (!isResourceCredential(login)) return this.dependencies.login(apiUrl, login, headers);
    const agentVersion = `burrow-gateway/${packageVersion()}`;
    const access = await resourceAccessToken(login, { apiUrl, headers, agentVersion });
    this.logger.info(
      { gatewayId: access.resourceId, source: access.source },
      access.source === 'enrolled'
        ? 'enrolled with the enrollment token; the access token is kept in the state file'
        : 'using the stored gateway access token',
    );
    return { accessToken: access.accessToken, close: () => undefined };
  }

  private register(relayName: string, signal?: AbortSignal): Promise<GatewayRegistration> {
    return registerGateway(this.platform, {
      relayName,
      name: this.config.name,
      enrolled: isResourceCredential(this.config.login),
      signal: signal
        ? AbortSignal.any([signal, this.stopController.signal])
        : this.stopController.signal,
    });
  }

  /**
   * The first registration. A client error (unknown relay, bad name, identity not allowed) will
   * not fix itself: it is fatal. An unreachable or failing control plane is retried with backoff.
   */
  private async registerAtStart(link: RelayLink): Promise<GatewayRegistration | undefined> {
    const backoff = this.tuning.backoff ?? new ReconnectBackoff();
    for (let attempt = 1; ; attempt++) {
      try {
        if (link.autoSelect) {
          const selected = await this.selectRelay();
          if (selected === undefined) {
            throw new Error('no relay to select: none has sent a heartbeat within the hour');
          }
          link.relayName = selected;
          this.logger.info({ relay: selected }, 'relay selected (none was named)');
        }
        const registration = await this.register(link.relayName);
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

  /** The relay auto-selection picks now (undefined: none healthy). */
  private async selectRelay(): Promise<string | undefined> {
    const relays = await this.platform.call(routes.listRelays, {
      signal: this.stopController.signal,
    });
    return selectRelay(relays, { now: Date.now() });
  }

  /**
   * Before an auto-selected link dials again (its connection was lost or its dial failed):
   * select again and switch when another relay wins (the reference's failover). A failed
   * selection keeps the current relay.
   */
  private async failOver(link: RelayLink): Promise<void> {
    try {
      const selected = await this.selectRelay();
      if (selected === undefined || selected === link.relayName || this.stopped) return;
      this.logger.info({ from: link.relayName, to: selected }, 'relay failover: switching relay');
      link.relayName = selected;
    } catch (error) {
      if (this.stopped) return;
      this.logger.warn(
        { relay: link.relayName, error: errorMessage(error) },
        'relay selection failed; dialing the current relay again',
      );
    }
  }

  /** New credentials: the inner TLS server uses them for channels that arrive from now on. */
  private apply(registration: GatewayRegistration, relayName?: string): void {
    if (this.gatewayId !== undefined && registration.gatewayId !== this.gatewayId) {
      this.logger.warn(
        { previousGatewayId: this.gatewayId, gatewayId: registration.gatewayId },
        'the control plane assigned a new gateway ID',
      );
    }
    this.gatewayId = registration.gatewayId;
    this.innerTls?.updateCredentials(registration.pki, registration.gatewayId);
    this.metrics.certificateExpiry.setX509('inner-tls-server', registration.pki.serverCertificate);
    if (relayName !== undefined) this.recordSshExpiry(registration, relayName);
  }

  /** Re-registers at every relay each renewal interval (sooner again after a failure). */
  private startRenewal(): void {
    if (this.stopped) return;
    const intervalMs = this.tuning.renewalIntervalMs ?? CERTIFICATE_RENEWAL_INTERVAL_MS;
    const retryInMs = this.tuning.renewalRetryIntervalMs ?? RENEWAL_RETRY_INTERVAL_MS;
    this.renewal = startPeriodicTask({
      firstDelayMs: intervalMs,
      run: () => this.renew(),
      delayAfter: (ok) => (ok ? intervalMs : retryInMs),
      onError: (error) =>
        this.logger.warn({ error: errorMessage(error), retryInMs }, 'certificate renewal failed'),
      ...(this.tuning.clock ? { clock: this.tuning.clock } : {}),
    });
  }

  private async renew(): Promise<void> {
    for (const link of this.links) {
      const registration = await this.register(link.relayName);
      if (this.stopped) return;
      this.apply(registration, link.relayName);
      link.tunnel?.useRegistration(registration);
      this.logger.info(
        { gatewayId: registration.gatewayId, relay: link.relayName },
        'certificates renewed',
      );
    }
  }

  private async sendHeartbeat(signal: AbortSignal): Promise<void> {
    // capabilities is omitted while there is none to report (reference §5.7).
    try {
      await this.platform.call(routes.gatewayHeartbeat, { body: {}, signal });
    } catch (error) {
      if (isStandingRefusal(error)) void this.checkStanding();
      throw error;
    }
  }

  /**
   * Asks the control plane where this gateway stands (after a check-in nudge or a refused
   * heartbeat) by registering again with every relay, and acts on the answers:
   *
   *   401  the token is dead: log in again; if that is refused too, the identity is gone -> revoked
   *   403  this gateway was deleted (or its identity may no longer have one)            -> revoked
   *   404  that relay is unknown (deleted)                    -> close the tunnel to that relay
   *   2xx  standing: the fresh certificates are used, as at a renewal
   *
   * Anything else (control plane unreachable, 5xx) changes nothing. One check at a time.
   */
  checkStanding(): Promise<void> {
    this.standingCheck ??= this.runStandingCheck().finally(() => {
      this.standingCheck = undefined;
    });
    return this.standingCheck;
  }

  private async runStandingCheck(): Promise<void> {
    if (this.stopped) return;
    for (const link of this.links) {
      if (link.tunnel === undefined || this.stopped) continue;
      try {
        const registration = await this.registerOrLogInAgain(link.relayName);
        this.apply(registration, link.relayName);
        link.tunnel.useRegistration(registration);
      } catch (error) {
        if (!(error instanceof PlatformError) || this.stopped) continue;
        if (error.status === 404) {
          this.logger.warn(
            { relay: link.relayName, reason: error.message },
            'the control plane no longer knows this relay: closing the tunnel to it',
          );
          if (link.autoSelect) {
            link.tunnel.dropConnection(); // the re-dial selects another relay
            continue;
          }
          const tunnel = link.tunnel;
          link.tunnel = undefined;
          await tunnel.stop();
        } else if (error.status === 401 || error.status === 403) {
          await this.revoke(error.message);
          return;
        }
      }
    }
  }

  /** Registers with `relayName`; on a 401 logs in once more and tries again. */
  private async registerOrLogInAgain(relayName: string): Promise<GatewayRegistration> {
    try {
      return await this.register(relayName);
    } catch (error) {
      if (!(error instanceof PlatformError) || error.status !== 401) throw error;
      let fresh: AccessTokenSource;
      try {
        fresh = await this.logIn();
      } catch (loginError) {
        const message = `log in refused: ${errorMessage(loginError)}`;
        if (loginError instanceof PlatformError) throw new PlatformError(message, loginError);
        throw new Error(message, { cause: loginError });
      }
      this.session?.close();
      this.session = fresh;
      return this.register(relayName);
    }
  }

  /** The control plane revoked this gateway: stop everything, then tell whoever runs it. */
  private async revoke(reason: string): Promise<void> {
    if (this.stopped) return;
    this.logger.error(
      { reason },
      'the control plane revoked this gateway (deleted, or its identity): stopping',
    );
    await this.stop();
    this.resolveRevoked(reason);
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

/** A heartbeat answer that says something about this gateway's standing, not about the path. */
function isStandingRefusal(error: unknown): boolean {
  return error instanceof PlatformError && [401, 403, 404].includes(error.status ?? 0);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isResourceCredential(login: GatewayConfig['login']): login is ResourceCredential {
  return 'kind' in login;
}

/** READY=1 to systemd (Type=notify units) after the first relay connection, as the reference. */
function announceReady(logger: Logger): void {
  void notifyReady().then((outcome) => {
    if (outcome.status === 'sent') logger.info('told systemd the gateway is ready');
    else if (outcome.status === 'failed')
      logger.warn({ err: outcome.error }, 'could not tell systemd the gateway is ready');
  });
}
