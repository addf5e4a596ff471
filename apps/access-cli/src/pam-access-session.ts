import crypto from 'node:crypto';
import net from 'node:net';
import type tls from 'node:tls';
import {
  ALPN,
  dialGateway,
  GatewayIdentityError,
  readPamCapabilities,
  spliceStreams,
  startPeriodicTask,
  systemClock,
  type Clock,
  type DialGatewayOptions,
  type PamCapabilities,
  type PeriodicTask,
} from '@burrow/tunnel-protocol';
import type { Logger } from '@burrow/observability';
import { routes, type accessPamAccount, type RouteResponse } from '@burrow/platform-api';
import { CliError, EXIT_CODES } from './cli-error.ts';
import { describeDialFailure } from './dial-failure.ts';
import { formatDurationForApi, humanDuration } from './duration.ts';
import { ControlPlaneError, type ControlPlane } from './control-plane.ts';
import { replyWithPostgresError } from './postgres-error-reply.ts';
import { formatRelayAddress, type RelayAddress } from './relay-address.ts';
import { RelayDialError, RelayDialer, type RelayTunnel } from './relay-dialer.ts';
import { relayRoutesOf, type RelayRoute } from './relay-routes.ts';
import {
  parseHostKeyLine,
  writeSessionKnownHosts,
  type SessionKnownHosts,
} from './ssh-known-hosts.ts';

/**
 * One `burrow pam access` session (reference §8.1):
 *
 * 1. `POST /api/v1/pam/accounts/access {path, duration:"<ms>ms", reason?}` → session ID, relay
 *    address(es), relay and gateway client certificates valid for the session, CA chains, metadata.
 *    Every tunnel below goes through the first relay of `relays[]` that works ({@link RelayDialer}:
 *    a relay that cannot be reached, or that does not hold the gateway, is skipped and tried last
 *    for 30 s); without `relays[]` (reference control planes), through `relayHost`.
 * 2. Capability check: a tunnel with ALPN `infisical-pam-capabilities`; a gateway that answers
 *    without the account's resource type is refused ("gateway version outdated"); no answer at all
 *    = an older gateway, continue (a warning names the failing hop) — unless the gateway that
 *    answered is not the session's (its certificate names another gateway, or none: the dialer
 *    pins it), which ends the command before anything is sent.
 *    An ssh account needs more (SSH-CONTRACT.md): the gateway's `sshHostKey`, which is pinned for
 *    the person's ssh client; without an answer, or without a usable key, the command ends.
 * 3. Listen on `127.0.0.1:<port>` (0 = any free port). For ssh, write a temporary known_hosts
 *    file (ssh-known-hosts.ts) holding the gateway's key for `[127.0.0.1]:<port>`; it is removed
 *    when the session ends.
 * 4. Every local connection gets its own tunnel (ALPN `infisical-pam-proxy`), joined to it with
 *    {@link spliceStreams} (half-close passes through, no accepted byte is dropped). When the
 *    tunnel cannot be opened, a PostgreSQL client gets a FATAL error naming every hop tried.
 * 5. The session ends on {@link end}: Ctrl-C (`'interrupted'`) or the local expiry check
 *    (`'expired'`, every second, at the gateway certificate's NotAfter). Interrupted sessions are
 *    cancelled with a tunnel on ALPN `infisical-pam-session-cancellation` (the gateway closes the
 *    session's connections, flushes the recording and ends the session), falling back to
 *    `POST /api/v1/pam/sessions/:id/end` when the gateway cannot be reached. Then up to 10 s for
 *    the local connections to close: the session is over when the last one closes, and those
 *    still open at the deadline are closed.
 *
 * @example
 *   const session = await PamAccessSession.open({ platform, path: 'prod/orders-db', durationMs: 3_600_000, port: 0, log, notice });
 *   process.once('SIGINT', () => void session.end('interrupted'));
 *   await session.finished;
 */
export interface PamAccessOptions {
  platform: ControlPlane;
  /** Account path, e.g. `prod/orders-db`. */
  path: string;
  durationMs: number;
  /** Local port; 0 = any free port. */
  port: number;
  reason?: string | undefined;
  log: Logger;
  /** Human messages for stderr (warnings, per-connection failures, shutdown progress). */
  notice: (line: string) => void;
  /** Dialer, replaceable in tests. */
  dial?: (options: DialGatewayOptions) => Promise<tls.TLSSocket>;
  /**
   * The clock of the expiry check and of the wait for connections to close when the session ends;
   * default the system clock (tests move a manual one).
   */
  clock?: Clock;
}

/** The answer of `POST /api/v1/pam/accounts/access`: the session and its certificates. */
export type PamAccess = RouteResponse<typeof accessPamAccount>;

export type EndReason = 'interrupted' | 'expired';

/** The local expiry check runs this often (reference: ~1 s on the accept loop). */
const EXPIRY_CHECK_INTERVAL_MS = 1_000;
/** How long ending a session waits for local connections to close (reference §8.1 step 6). */
export const CONNECTION_DRAIN_TIMEOUT_MS = 10_000;
/** How long the cancellation tunnel may take, handshake to the gateway's close. */
const CANCELLATION_TIMEOUT_MS = 10_000;

export class PamAccessSession {
  readonly path: string;
  readonly access: PamAccess;
  /** The first relay of the access answer (the one tried first when all are healthy). */
  readonly relay: RelayAddress;
  readonly expiresAt: Date;
  /** Resolves with the reason once the session ended and every local connection is closed. */
  readonly finished: Promise<EndReason>;
  private readonly options: PamAccessOptions;
  private readonly server: net.Server;
  private readonly dialer: RelayDialer;
  private readonly connections = new Set<net.Socket>();
  /** Called when the last local connection closed (set while ending waits for that). */
  private onDrained: (() => void) | undefined;
  private readonly clock: Clock;
  private readonly expiryCheck: PeriodicTask;
  private resolveFinished!: (reason: EndReason) => void;
  private ending: Promise<void> | undefined;
  private nextConnectionId = 1;
  private listeningPort = 0;
  /** ssh: the gateway's PAM SSH server key from its capabilities answer. */
  private sshHostKey: string | undefined;
  private knownHosts: SessionKnownHosts | undefined;

  private constructor(
    options: PamAccessOptions,
    access: PamAccess,
    server: net.Server,
    expiresAt: Date,
  ) {
    this.options = options;
    this.path = options.path;
    this.access = access;
    this.server = server;
    this.expiresAt = expiresAt;
    this.dialer = new RelayDialer({
      routes: relayRoutesOf(access),
      gateway: {
        certificate: access.gatewayClientCertificate,
        privateKey: access.gatewayClientPrivateKey,
        serverCertificateChain: access.gatewayServerCertificateChain,
      },
      dial: options.dial ?? dialGateway,
    });
    this.relay = (this.dialer.routes[0] as RelayRoute).address;
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
    // A check every second against the wall clock rather than one timer at expiresAt: a timer
    // runs on the monotonic clock, which stands still while a laptop sleeps.
    const clock = options.clock ?? systemClock;
    this.clock = clock;
    this.expiryCheck = startPeriodicTask({
      clock,
      firstDelayMs: EXPIRY_CHECK_INTERVAL_MS,
      delayAfter: () => EXPIRY_CHECK_INTERVAL_MS,
      run: async () => {
        if (clock.now() >= this.expiresAt.getTime()) void this.end('expired');
      },
      onError: () => undefined,
    });
  }

  /** Requests access, checks the gateway and starts listening. Throws CliError on failure. */
  static async open(options: PamAccessOptions): Promise<PamAccessSession> {
    const access = await requestAccess(options);
    const expiresAt = certificateNotAfter(
      access.gatewayClientCertificate,
      (options.clock ?? systemClock).now() + options.durationMs,
    );
    // Half-open: a client that shuts down its sending side still gets the rest of the answer.
    const server = net.createServer({ allowHalfOpen: true });
    const session = new PamAccessSession(options, access, server, expiresAt);
    try {
      await session.checkCapabilities();
      await session.listen(options.port);
      if (session.sshHostKey !== undefined) {
        session.knownHosts = writeSessionKnownHosts({
          port: session.port,
          hostKey: session.sshHostKey,
        });
      }
      return session;
    } catch (error) {
      session.expiryCheck.stop();
      server.close();
      session.knownHosts?.remove();
      // The session exists at the platform; end it there rather than leave it open.
      await session.endAtPlatform().catch(() => undefined);
      throw error;
    }
  }

  get sessionId(): string {
    return this.access.sessionId;
  }

  get port(): number {
    return this.listeningPort;
  }

  /** ssh sessions: the temporary known_hosts file pinning the gateway's SSH server key. */
  get knownHostsFile(): string | undefined {
    return this.knownHosts?.path;
  }

  get activeConnections(): number {
    return this.connections.size;
  }

  /** Ends the session (idempotent); resolves when everything is closed. */
  end(reason: EndReason): Promise<void> {
    this.ending ??= this.shutdown(reason);
    return this.ending;
  }

  /** Tells the person when a tunnel had to skip a relay (which is then tried last for 30 s). */
  private noticeSkipped(tunnel: RelayTunnel, what: string): void {
    if (tunnel.skipped.length === 0) return;
    const skipped = tunnel.skipped
      .map((attempt) => describeDialFailure(attempt.error, attempt.relay))
      .join('; ');
    this.options.notice(
      `${what}: ${skipped}; using the relay at ${formatRelayAddress(tunnel.relay)}`,
    );
  }

  private async checkCapabilities(): Promise<void> {
    const { log, notice } = this.options;
    const type = this.access.accountType ?? this.access.resourceType;
    let capabilities: PamCapabilities;
    try {
      const tunnel = await this.dialer.dial(ALPN.pamCapabilities);
      this.noticeSkipped(tunnel, 'capability check');
      capabilities = await readPamCapabilities(tunnel.socket);
      log.debug({ capabilities }, 'gateway capabilities');
    } catch (error) {
      // The wrong gateway answered (a relay standing in for it): never "an older gateway".
      if (reachedWrongGateway(error)) {
        throw new CliError(
          `refusing the PAM session: ${describeDialFailure(error, this.relay)}`,
          EXIT_CODES.failure,
          { cause: error },
        );
      }
      log.debug({ error: String(error) }, 'capability check failed');
      // ssh pins the key of the gateway's SSH server, which only this answer carries.
      if (type === 'ssh') {
        throw new CliError(
          `cannot open the ssh session: the gateway's capabilities (with its SSH host key, which burrow pins) could not be read: ${describeDialFailure(error, this.relay)}`,
          EXIT_CODES.failure,
          { cause: error },
        );
      }
      // Reference §8.1 step 3: failure to fetch = an older gateway; go on, but say why.
      notice(
        `warning: could not check the gateway's capabilities: ${describeDialFailure(error, this.relay)}; continuing`,
      );
      return;
    }
    const supported = capabilities.supportedResourceTypes;
    if (!supported.includes(type)) {
      throw new CliError(
        `gateway version outdated: it supports ${supported.join(', ') || 'no PAM resource types'}, not ${type}; upgrade the gateway`,
      );
    }
    if (type === 'ssh') {
      if (capabilities.sshHostKey === undefined) {
        throw new CliError(
          'gateway version outdated: it serves ssh but does not announce its SSH host key (sshHostKey), which burrow pins; upgrade the gateway',
        );
      }
      const key = parseHostKeyLine(capabilities.sshHostKey);
      if (key instanceof Error) {
        throw new CliError(`the gateway announced an unusable SSH host key: ${key.message}`);
      }
      this.sshHostKey = capabilities.sshHostKey;
    }
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        reject(
          new CliError(
            error.code === 'EADDRINUSE'
              ? `port ${port} on 127.0.0.1 is in use; choose another with --port (0 = any free port)`
              : `cannot listen on 127.0.0.1:${port}: ${error.message}`,
          ),
        );
      };
      this.server.once('error', onError);
      this.server.on('connection', (socket) => this.handle(socket));
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', onError);
        this.server.on('error', (error) =>
          this.options.log.debug({ error: String(error) }, 'listener error'),
        );
        this.listeningPort = (this.server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  private handle(local: net.Socket): void {
    const id = this.nextConnectionId++;
    const { log, notice } = this.options;
    if (this.ending) {
      local.destroy();
      return;
    }
    local.setNoDelay(true);
    local.pause();
    this.connections.add(local);
    local.once('close', () => {
      this.connections.delete(local);
      if (this.connections.size === 0) this.onDrained?.();
    });
    local.on('error', (error) => log.debug({ id, error: String(error) }, 'local socket error'));
    log.debug({ id, from: `${local.remoteAddress}:${local.remotePort}` }, 'local connection');
    this.dialer.dial(ALPN.pamProxy).then(
      (tunnel) => {
        const remote = tunnel.socket;
        this.noticeSkipped(tunnel, `connection ${id}`);
        if (local.destroyed || this.ending) {
          remote.destroy();
          local.destroy();
          return;
        }
        remote.setNoDelay(true);
        remote.once('end', () => log.debug({ id }, 'gateway closed the connection'));
        void spliceStreams(local, remote).then((result) =>
          log.debug(
            {
              id,
              bytesToGateway: result.bytesFromA,
              bytesFromGateway: result.bytesFromB,
              error: result.error === undefined ? undefined : String(result.error),
            },
            'tunnel closed',
          ),
        );
        log.debug({ id, relay: formatRelayAddress(tunnel.relay) }, 'tunnel open');
      },
      (error: unknown) => {
        const reason = describeDialFailure(error, this.relay);
        notice(`connection ${id}: ${reason}`);
        log.debug({ id, error: String(error) }, 'tunnel failed');
        if (this.access.resourceType === 'postgres') {
          void replyWithPostgresError(local, `burrow: ${reason}`);
        } else {
          local.destroy();
        }
      },
    );
  }

  private async shutdown(reason: EndReason): Promise<void> {
    const { notice, log } = this.options;
    this.expiryCheck.stop();
    this.server.close();
    if (reason === 'expired') {
      notice(`Session ${this.sessionId} expired at ${this.expiresAt.toISOString()}.`);
    } else {
      // Signals first, output second: the cancellation is on its way before anything is written.
      const cancelling = this.cancelThroughGateway();
      notice(`Ending session ${this.sessionId}...`);
      const cancelled = await cancelling;
      if (!cancelled) {
        try {
          await this.endAtPlatform();
          notice('Session ended at the control plane (the gateway could not be reached).');
        } catch (error) {
          notice(`warning: could not end the session: ${(error as Error).message}`);
        }
      }
    }
    const drained = await this.drain(CONNECTION_DRAIN_TIMEOUT_MS);
    if (!drained) {
      log.debug({ open: this.connections.size }, 'closing connections that did not end in time');
      for (const socket of this.connections) socket.destroy();
    }
    this.knownHosts?.remove();
    notice(`Session ${this.sessionId} ended.`);
    this.resolveFinished(reason);
  }

  /** True when the gateway accepted the cancellation and closed the tunnel. */
  private async cancelThroughGateway(): Promise<boolean> {
    const { log } = this.options;
    let socket: tls.TLSSocket;
    try {
      const tunnel = await this.dialer.dial(ALPN.pamSessionCancellation, {
        relayHandshakeTimeoutMs: 5_000,
        innerHandshakeTimeoutMs: 5_000,
      });
      log.debug({ relay: formatRelayAddress(tunnel.relay) }, 'cancellation tunnel open');
      socket = tunnel.socket;
    } catch (error) {
      log.debug({ error: String(error) }, 'cancellation tunnel failed');
      return false;
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        log.debug('gateway did not close the cancellation tunnel in time');
        socket.destroy();
        resolve(false);
      }, CANCELLATION_TIMEOUT_MS);
      socket.on('data', () => undefined);
      socket.once('error', () => undefined);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private async endAtPlatform(): Promise<void> {
    await this.options.platform.call(routes.endPamSession, {
      params: { sessionId: this.sessionId },
      body: {},
      timeoutMs: 10_000,
    });
  }

  /** True once the last local connection closed; false at the deadline with some still open. */
  private drain(timeoutMs: number): Promise<boolean> {
    if (this.connections.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (drained: boolean): void => {
        this.clock.clearTimeout(deadline);
        this.onDrained = undefined;
        resolve(drained);
      };
      const deadline = this.clock.setTimeout(() => done(false), timeoutMs);
      this.onDrained = () => done(true);
    });
  }
}

async function requestAccess(options: PamAccessOptions): Promise<PamAccess> {
  try {
    return await options.platform.call(routes.accessPamAccount, {
      body: {
        path: options.path,
        duration: formatDurationForApi(options.durationMs),
        ...(options.reason ? { reason: options.reason } : {}),
      },
    });
  } catch (error) {
    if (error instanceof ControlPlaneError && error.status !== undefined) {
      if (error.errorName === 'PAM_REASON_REQUIRED')
        throw new CliError(`access to ${options.path} requires a reason: pass --reason "<why>"`);
      const { reason } = error;
      if (error.status === 404) {
        const notFound = `PAM account ${options.path} not found`;
        // The platform's own words only when they add something to ours.
        const detail = reason === notFound ? '' : ` (${reason})`;
        throw new CliError(
          `${notFound}${detail}; burrow pam accounts list shows the accounts you may access`,
        );
      }
      if (error.status === 403) throw new CliError(`access to ${options.path} refused: ${reason}`);
      if (error.status === 400 && /duration/i.test(reason))
        throw new CliError(`--duration ${humanDuration(options.durationMs)} refused: ${reason}`);
    }
    throw error;
  }
}

/** The session ends when the gateway certificate does; without one, after the requested duration. */
function certificateNotAfter(certificatePem: string, fallbackMs: number): Date {
  try {
    return new Date(new crypto.X509Certificate(certificatePem).validTo);
  } catch {
    return new Date(fallbackMs);
  }
}

/** Whether a failed dial reached a gateway other than the session's (on any relay tried). */
function reachedWrongGateway(error: unknown): boolean {
  if (error instanceof GatewayIdentityError) return true;
  return (
    error instanceof RelayDialError &&
    error.attempts.some((attempt) => attempt.error instanceof GatewayIdentityError)
  );
}
