/**
 * A running relay (reference §3.1, in Burrow's order):
 *
 *   0. bind the SSH, TLS (and metrics) addresses once: one that is taken fails the start here,
 *      before the control plane hears of this relay (listen-address-check.ts)
 *   1. log in (org relay: machine identity; instance relay: the relay auth secret is the bearer;
 *      enrolled relay: its relay access token, got once for its enrollment token and kept in
 *      its state file, @burrow/auth-methods resource-enrollment.ts)
 *   2. register → TLS server cert + caller CA chain, SSH host cert + gateway CA key; only now is
 *      "Logged in" logged, since a token given as is (token auth) is first checked here
 *   3. SSH server for gateways, TLS server for callers; log "Relay started successfully" and tell
 *      systemd READY=1 when run by it (Type=notify)
 *   4. heartbeat (the control plane probes our TLS port, so only once it is listening)
 *   5. every 6 h re-register and swap credentials; open connections keep the ones they started with
 *
 * `stop()` stops listening, closes every caller connection and gateway session, and ends the
 * background tasks. `drain(deadlineMs)` (SIGTERM) first stops accepting on both ports, sends the
 * drain notice (tunnel-protocol drain-notice.ts) to every gateway that asked for it at connect
 * time, lets open streams finish until the deadline, then stops.
 *
 * With `metricsListen`, `/healthz`, `/readyz` (listening, registered, not draining) and `/metrics`
 * (relay-metrics.ts) are served there.
 */
import type { Logger } from '@burrow/observability';
import type { RelaySshServer } from '@burrow/ssh-transport';
import { createRelaySshServer } from '@burrow/ssh-transport';
import type { ObservabilityServer } from '@burrow/observability';
import { formatListenAddress, settingLabel, startObservabilityServer } from '@burrow/observability';
import { parseSshCertificate } from '@burrow/pki';
import { MachineIdentitySession, resourceAccessToken } from '@burrow/auth-methods';
import { notifyReady } from '@burrow/systemd-install';
import { PlatformClient } from '@burrow/platform-api';
import {
  CERTIFICATE_RENEWAL_INTERVAL_MS,
  advertisesDrainNotice,
  DRAIN_NOTICE,
  RELAY_SSH_HANDSHAKE_TIMEOUT_MS,
  RELAY_SSH_KEEPALIVE_COUNT_MAX,
  RELAY_SSH_KEEPALIVE_INTERVAL_MS,
  startPeriodicTask,
  type Clock,
  type PeriodicTask,
} from '@burrow/tunnel-protocol';
import type { AcceptLimits } from './accept-limiter.ts';
import { AcceptLimiter } from './accept-limiter.ts';
import { createCallerListener, type CallerListener } from './caller-listener.ts';
import type { GatewaySession } from './gateway-registry.ts';
import { GatewayRegistry } from './gateway-registry.ts';
import type { RelayConfig } from './relay-config.ts';
import { RELAY_SETTINGS } from './relay-config.ts';
import { RelayMetrics } from './relay-metrics.ts';
import { checkListenAddressesFree } from './listen-address-check.ts';
import { packageVersion } from './package-version.ts';
import { startRelayHeartbeat } from './relay-heartbeat.ts';
import type { RelayCredentials, RelaySshCredentials } from './relay-registration.ts';
import { registerRelay } from './relay-registration.ts';

/** A failed renewal is retried this soon; certificates live 1 day, renewals run every 6 h. */
export const RENEWAL_RETRY_INTERVAL_MS = 60_000;

export interface RunningRelay {
  readonly sshAddress: string;
  readonly tlsAddress: string;
  readonly gateways: GatewayRegistry;
  readonly metrics: RelayMetrics;
  /** Where /healthz, /readyz and /metrics are served, when enabled. */
  readonly metricsAddress: string | undefined;
  /** The caller streams: how many, what they buffer, what each caller has reserved. */
  readonly callers: Pick<
    CallerListener,
    'streamCount' | 'bufferedBytes' | 'windowReservedByCaller'
  >;
  /** Re-registers now and swaps the credentials (what the 6-hourly renewal does). */
  renewCertificates(): Promise<void>;
  /**
   * Resolves with the control plane's message once it answered a heartbeat with 404 (an admin
   * deleted this relay); by then the relay has stopped. burrow-relay exits on it.
   */
  readonly deleted: Promise<string>;
  stop(): Promise<void>;
  /**
   * Graceful drain, then stop: no new callers or gateways, the drain notice to every gateway that
   * asked for it (a reference gateway would take it for a caller and log a TLS error), open
   * streams finish until `deadlineMs`. Resolves with the number of streams cut at the deadline.
   */
  drain(deadlineMs: number): Promise<number>;
}

/** Seams for tests; production uses the defaults. */
export interface RelayDependencies {
  createSshServer?: typeof createRelaySshServer;
  login?: typeof MachineIdentitySession.login;
  renewalIntervalMs?: number;
  /** The heartbeat's and the renewal's clock (default: real time). */
  clock?: Clock;
  acceptLimits?: Partial<AcceptLimits>;
  idleTimeoutMs?: number;
  maxStreamsPerGateway?: number;
}

export async function startRelay(
  config: RelayConfig,
  logger: Logger,
  deps: RelayDependencies = {},
): Promise<RunningRelay> {
  // Undo steps, run last-first; each runs once, and one failing does not skip the others.
  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async (): Promise<void> => {
    while (cleanups.length > 0) {
      try {
        await cleanups.pop()?.();
      } catch (error) {
        logger.warn({ err: (error as Error).message }, 'Error while shutting down');
      }
    }
  };
  try {
    await checkListenAddressesFree([
      { label: settingLabel(RELAY_SETTINGS.sshListenAddress), address: config.sshListen },
      { label: settingLabel(RELAY_SETTINGS.tlsListenAddress), address: config.tlsListen },
      ...(config.metricsListen
        ? [
            {
              label: settingLabel(RELAY_SETTINGS.metricsListenAddress),
              address: config.metricsListen,
            },
          ]
        : []),
    ]);
    const client = await connectToControlPlane(config, logger, deps, cleanups);
    const register = (): Promise<RelayCredentials> =>
      registerRelay(client, {
        type: config.type,
        enrolled: config.auth.kind === 'resource-token',
        host: config.host,
        name: config.name,
        sshPort: config.sshListen.port,
        tlsPort: config.tlsListen.port,
      });
    const credentials = await register();
    if (config.auth.kind === 'machine-identity')
      logger.info({ authMethod: config.auth.login.method }, 'Logged in as machine identity');
    logger.info(
      { relayName: config.name, host: config.host, type: config.type },
      'Relay registered',
    );

    const metrics = new RelayMetrics();
    const limiter = new AcceptLimiter(deps.acceptLimits);
    let draining = false;
    const gateways = new GatewayRegistry(logger);
    const sshServer = (deps.createSshServer ?? createRelaySshServer)({
      admitConnection: (socket) => {
        const admission = limiter.admit(socket.remoteAddress);
        if (admission.ok) return admission;
        metrics.connectionsRefused.inc({ listener: 'ssh', reason: admission.reason });
        return undefined;
      },
      ...sshServerCredentials(credentials.ssh),
      relayName: config.name,
      handshakeTimeoutMs: RELAY_SSH_HANDSHAKE_TIMEOUT_MS,
      keepaliveIntervalMs: RELAY_SSH_KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: RELAY_SSH_KEEPALIVE_COUNT_MAX,
    });
    watchSshServer(sshServer, gateways, logger, metrics);
    recordCertificateExpiry(metrics, credentials);
    cleanups.push(() => sshServer.close());
    // Closing the sessions first lets the server's close() finish without waiting on them.
    cleanups.push(() => gateways.closeAll());
    const ssh = await sshServer.listen(config.sshListen.port, config.sshListen.host);

    const callers = createCallerListener({
      credentials: credentials.pki,
      findGateway: (gatewayId) => gateways.get(gatewayId),
      logger,
      limiter,
      metrics,
      ...(deps.idleTimeoutMs !== undefined ? { idleTimeoutMs: deps.idleTimeoutMs } : {}),
      ...(deps.maxStreamsPerGateway !== undefined
        ? { maxStreamsPerGateway: deps.maxStreamsPerGateway }
        : {}),
    });
    cleanups.push(() => callers.close());
    metrics.collectBufferedBytes(() => callers.bufferedBytes);
    const tls = await callers.listen(config.tlsListen.port, config.tlsListen.host);

    const sshAddress = formatListenAddress({ host: ssh.address, port: ssh.port });
    const tlsAddress = formatListenAddress({ host: tls.address, port: tls.port });
    logger.info(
      { relayName: config.name, host: config.host, type: config.type, sshAddress, tlsAddress },
      'Relay started successfully',
    );
    announceReady(logger);

    let observability: ObservabilityServer | undefined;
    if (config.metricsListen !== undefined) {
      observability = await startObservabilityServer({
        listen: config.metricsListen,
        registry: metrics.registry,
        readiness: () => (draining ? { ready: false, reason: 'draining' } : { ready: true }),
      });
      const served = observability;
      cleanups.push(() => served.close());
      logger.info(
        { metricsAddress: formatListenAddress(observability.address) },
        'Serving /healthz, /readyz and /metrics',
      );
    }

    let reportDeleted: (reason: string) => void = () => undefined;
    const deleted = new Promise<string>((resolve) => (reportDeleted = resolve));
    const heartbeat = startRelayHeartbeat({
      client,
      type: config.type,
      enrolled: config.auth.kind === 'resource-token',
      name: config.name,
      logger,
      ...(deps.clock ? { clock: deps.clock } : {}),
      onDeleted: (reason) => {
        logger.error({ reason }, 'This relay was deleted: stopping');
        void stop().then(() => reportDeleted(reason));
      },
    });
    const renewCertificates = async (): Promise<void> => {
      const renewed = await register();
      sshServer.updateCredentials(sshServerCredentials(renewed.ssh));
      callers.updateCredentials(renewed.pki);
      recordCertificateExpiry(metrics, renewed);
      logger.info('Relay certificates renewed');
    };
    const renewal = startRenewal(renewCertificates, logger, deps.renewalIntervalMs, deps.clock);
    const stop = async (): Promise<void> => {
      heartbeat.stop();
      renewal.stop();
      await cleanup();
    };
    return {
      sshAddress,
      tlsAddress,
      gateways,
      metrics,
      metricsAddress: observability ? formatListenAddress(observability.address) : undefined,
      callers,
      renewCertificates,
      deleted,
      stop,
      async drain(deadlineMs) {
        draining = true;
        metrics.draining.set(1);
        logger.info(
          { deadlineMs, streams: callers.streamCount, gateways: gateways.size },
          'Draining: no new callers or gateways; open streams may finish',
        );
        await sshServer.stopAccepting();
        const draining_ = callers.drain(deadlineMs);
        await Promise.all(
          gateways
            .all()
            .filter((session) => advertisesDrainNotice(session.identComments))
            .map((session) => sendDrainNotice(session, logger)),
        );
        const cut = await draining_;
        logger.info(
          { cut },
          cut === 0 ? 'Drained: every stream finished' : 'Drain deadline reached',
        );
        await stop();
        return cut;
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function connectToControlPlane(
  config: RelayConfig,
  logger: Logger,
  deps: RelayDependencies,
  cleanups: (() => void)[],
): Promise<PlatformClient> {
  const { auth, apiUrl, customHeaders: headers = {} } = config;
  // Beside the reference's user-agent: the console shows which relay runs which version.
  const agentVersion = `burrow-relay/${packageVersion()}`;
  if (auth.kind === 'relay-auth-secret') {
    return new PlatformClient({ apiUrl, headers, agentVersion, token: () => auth.secret });
  }
  if (auth.kind === 'resource-token') {
    const access = await resourceAccessToken(auth.credential, { apiUrl, headers, agentVersion });
    logger.info(
      { relayId: access.resourceId, source: access.source },
      access.source === 'enrolled'
        ? 'Enrolled with the enrollment token; the access token is kept in the state file'
        : 'Using the stored relay access token',
    );
    const token = access.accessToken;
    return new PlatformClient({ apiUrl, headers, agentVersion, token: () => token });
  }
  const session = await (deps.login ?? MachineIdentitySession.login)(apiUrl, auth.login, headers);
  cleanups.push(() => session.close());
  session.on('error', (error: Error) =>
    logger.warn({ err: error.message }, 'Machine identity token renewal failed; will retry'),
  );
  return new PlatformClient({ apiUrl, headers, agentVersion, token: () => session.accessToken });
}

function sshServerCredentials(ssh: RelaySshCredentials) {
  return {
    hostPrivateKey: ssh.serverPrivateKey,
    hostCertificate: ssh.serverCertificate,
    trustedUserCaPublicKey: ssh.clientCAPublicKey,
  };
}

function watchSshServer(
  server: RelaySshServer,
  gateways: GatewayRegistry,
  logger: Logger,
  metrics: RelayMetrics,
): void {
  server.on('gateway', (session) => {
    void gateways.add(session).then((admission) => {
      metrics.gatewayConnections.inc({ result: admission });
      metrics.gatewaysConnected.set(gateways.size);
      if (admission === 'refused') return;
      session.once('close', () => {
        metrics.gatewayConnections.inc({ result: 'disconnected' });
        metrics.gatewaysConnected.set(gateways.size);
      });
    });
  });
  server.on('auth-failure', (failure) => {
    metrics.handshakeFailures.inc({ listener: 'ssh', reason: failure.code.toLowerCase() });
    logger.warn(
      {
        reason: failure.reason,
        code: failure.code,
        username: failure.username,
        remoteAddress: failure.remoteAddress,
        remotePort: failure.remotePort,
      },
      'Gateway authentication failed',
    );
  });
}

function recordCertificateExpiry(metrics: RelayMetrics, credentials: RelayCredentials): void {
  metrics.certificateExpiry.setX509('tls-server', credentials.pki.serverCertificate);
  try {
    const validBefore = parseSshCertificate(credentials.ssh.serverCertificate).validBefore;
    metrics.certificateExpiry.set('ssh-host', new Date(Number(validBefore) * 1000));
  } catch {
    // The SSH server refused unusable credentials already; the metric is best effort.
  }
}

/** Opens a channel to the gateway, writes the drain notice and ends it; failures only log. */
async function sendDrainNotice(session: GatewaySession, logger: Logger): Promise<void> {
  try {
    const channel = await session.openChannel();
    channel.on('error', () => undefined);
    channel.end(DRAIN_NOTICE);
    // The gateway closes its side; do not keep the channel if it does not.
    setTimeout(() => channel.destroy(), 5_000).unref();
  } catch (error) {
    logger.debug(
      { gatewayId: session.gatewayId, err: (error as Error).message },
      'Could not send the drain notice',
    );
  }
}

function startRenewal(
  renew: () => Promise<void>,
  logger: Logger,
  intervalMs = CERTIFICATE_RENEWAL_INTERVAL_MS,
  clock?: Clock,
): PeriodicTask {
  return startPeriodicTask({
    firstDelayMs: intervalMs,
    run: renew,
    delayAfter: (ok) => (ok ? intervalMs : RENEWAL_RETRY_INTERVAL_MS),
    onError: (error) =>
      logger.error(
        { err: error instanceof Error ? error.message : String(error) },
        'Relay certificate renewal failed; retrying in 60 s',
      ),
    ...(clock ? { clock } : {}),
  });
}

/** READY=1 to systemd (Type=notify units); outside systemd nothing happens. */
function announceReady(logger: Logger): void {
  void notifyReady().then((outcome) => {
    if (outcome.status === 'sent') logger.info('Told systemd the relay is ready');
    else if (outcome.status === 'failed')
      logger.warn({ err: outcome.error }, 'Could not tell systemd the relay is ready');
  });
}
