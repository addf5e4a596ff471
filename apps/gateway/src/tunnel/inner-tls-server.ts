/**
 * The inner TLS server: terminates the caller's end-to-end mutual TLS on every relay channel.
 *
 *   relay channel (bytes the relay cannot read)
 *     -> TLS 1.2/1.3 server handshake: gateway server cert; the caller MUST present a client cert
 *        issued by a CA in pki.clientCertificateChain; ALPN must be one the gateway serves
 *        (a caller offering only unknown ALPNs fails the handshake with no_application_protocol)
 *     -> check the caller's certificate on every stream, resumed TLS session or not:
 *          still valid now (a resumed session skips OpenSSL's checks, and would otherwise outlive
 *            the certificate it carries)                                   else refuse
 *          made for THIS gateway: CN `<actorType>:<gatewayId>` (reference §2.2), so a certificate
 *            the control plane signed for gateway G1 does not open streams at G2   else refuse
 *        (a refusal is logged, without secrets, and the stream closed)
 *     -> read the caller's certificate: `…100.1` target, `…100.2` actor (malformed = close)
 *     -> dispatch on the negotiated ALPN to one action handler; one TLS session = one action
 *        (each action checks the certificate was made for it: tcp-proxy refuses PAM certificates,
 *        the PAM actions refuse certificates without a PAM session).
 *
 * Every channel goes through ONE `tls.Server` via `server.emit('connection', channel)`. That is
 * deliberate: a bare `new tls.TLSSocket(channel, { isServer: true, rejectUnauthorized: true })`
 * does NOT reject a client certificate from an unknown CA (only tls.Server enforces
 * rejectUnauthorized), so it would let anyone with any certificate reach the targets.
 *
 * Certificate renewal swaps the server's secure context (`setSecureContext`): new channels use the
 * new certificate and CA list; streams already open keep theirs.
 *
 * The handshake has a deadline; a channel that does not complete it in time is destroyed.
 *
 * Setup timing (observer.setupStageDone, gateway-metrics.ts STREAM_SETUP_STAGES): the channel's
 * times travel to its TLS socket in an AsyncLocalStorage entered around `emit('connection')` —
 * node:tls offers no public link from the server's socket back to the stream it wraps, and the
 * socket's callbacks run in the async context it was created in. Only streams handed to an action
 * are timed; a refused one records nothing.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { X509Certificate } from '@burrow/pki';
import { parseCertificate, readBurrowExtensions, readCallerGatewayId } from '@burrow/pki';
import { INNER_TLS_HANDSHAKE_TIMEOUT_MS } from '@burrow/tunnel-protocol';
import type { Logger } from '@burrow/observability';
import type { ActionHandler } from '../actions/action.ts';
import { endStream } from '../actions/close-stream.ts';
import type { StreamSetupStage } from '../ops/gateway-metrics.ts';

/** When a channel was accepted and when its first byte came (`performance.now()`). */
interface ChannelTiming {
  readonly acceptedAt: number | undefined;
  readonly firstByteAt: number;
}

export interface InnerTlsCredentials {
  /** PEM, the gateway's TLS server certificate (SAN localhost). */
  readonly serverCertificate: string;
  /** PEM PKCS#8 key of that certificate. */
  readonly serverPrivateKey: string;
  /** PEM of the CAs that issue caller (gateway client) certificates; every cert in it is trusted. */
  readonly clientCertificateChain: string;
}

export interface InnerTlsServerOptions {
  credentials: InnerTlsCredentials;
  /** This gateway's ID: callers' certificates must have been made for it. */
  gatewayId: string;
  /** ALPN name -> handler; the keys, in order, are the ALPN list the gateway serves. */
  actions: Readonly<Record<string, ActionHandler>>;
  logger: Logger;
  handshakeTimeoutMs?: number;
  /** The clock the caller certificate's validity is checked against (tests); Date.now by default. */
  now?: () => number;
  /** Metrics hooks (gateway-metrics.ts); all optional. */
  observer?: {
    handshakeFailed?(reason: string): void;
    streamOpened?(alpn: string): void;
    /** One setup stage of a stream that reached its action, `seconds` long. */
    setupStageDone?(stage: StreamSetupStage, seconds: number): void;
  };
}

export class InnerTlsServer {
  private readonly server: tls.Server;
  private readonly actions: Readonly<Record<string, ActionHandler>>;
  private readonly logger: Logger;
  /** Channels handed to the server whose TLS socket has not closed yet. */
  private readonly channels = new Set<Duplex>();
  /** Streams past the handshake. */
  private readonly streams = new Set<tls.TLSSocket>();
  private readonly observer: InnerTlsServerOptions['observer'];
  private readonly now: () => number;
  private readonly channelTiming = new AsyncLocalStorage<ChannelTiming>();
  private gatewayId: string;
  private nextStreamId = 1;
  private closed = false;

  constructor(options: InnerTlsServerOptions) {
    this.actions = options.actions;
    this.logger = options.logger;
    this.observer = options.observer;
    this.now = options.now ?? Date.now;
    this.gatewayId = options.gatewayId;
    const served = Object.keys(options.actions);
    this.server = tls.createServer({
      ...secureContextOptions(options.credentials),
      requestCert: true,
      rejectUnauthorized: true,
      handshakeTimeout: options.handshakeTimeoutMs ?? INNER_TLS_HANDSHAKE_TIMEOUT_MS,
      // The caller's first ALPN that the gateway serves. Returning undefined when there is none
      // makes Node abort the handshake with a fatal no_application_protocol alert (Go's behaviour).
      ALPNCallback: ({ protocols }) => protocols.find((protocol) => served.includes(protocol)),
    });
    this.server.on('secureConnection', (socket: tls.TLSSocket) => this.onSecure(socket));
    this.server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: tls.TLSSocket) => {
      // Node leaves the socket open after a handshake timeout; nothing more will happen on it.
      socket.destroy();
      options.observer?.handshakeFailed?.(handshakeFailureReason(error, socket));
      this.logger.warn(
        {
          error: firstLine(error.message),
          code: error.code,
          ...(socket.authorizationError ? { authorizationError: socket.authorizationError } : {}),
        },
        'inner TLS handshake refused',
      );
    });
  }

  /** The ALPN names this server accepts, in preference order. */
  get alpnProtocols(): string[] {
    return Object.keys(this.actions);
  }

  /** Streams past the handshake and not closed yet. */
  get activeStreams(): number {
    return this.streams.size;
  }

  /**
   * Runs the inner TLS handshake on a relay channel and hands the stream to its action. Called
   * once the channel's first byte is there; `acceptedAt` (`performance.now()` when the relay's
   * channel was accepted) times the wait for it.
   */
  handleChannel(channel: Duplex, acceptedAt?: number): void {
    const firstByteAt = performance.now();
    if (this.closed) {
      channel.destroy();
      return;
    }
    this.channels.add(channel);
    channel.once('close', () => this.channels.delete(channel));
    channel.on('error', (error: Error) =>
      this.logger.debug({ error: error.message }, 'channel error'),
    );
    this.channelTiming.run({ acceptedAt, firstByteAt }, () =>
      this.server.emit('connection', channel),
    );
  }

  /**
   * New certificate/key/CA list (and gateway ID, should the control plane have assigned a new
   * one) for channels that arrive from now on.
   */
  updateCredentials(credentials: InnerTlsCredentials, gatewayId: string = this.gatewayId): void {
    this.server.setSecureContext(secureContextOptions(credentials));
    this.gatewayId = gatewayId;
  }

  /** Destroys every stream and pending handshake; later channels are refused. */
  close(): void {
    this.closed = true;
    for (const stream of this.streams) stream.destroy();
    for (const channel of this.channels) channel.destroy();
    this.streams.clear();
    this.channels.clear();
  }

  private onSecure(socket: tls.TLSSocket): void {
    const secureAt = performance.now();
    const streamId = this.nextStreamId++;
    let logger = this.logger.child({ stream: streamId });
    if (this.closed) {
      socket.destroy();
      return;
    }
    // tls.Server already destroyed unauthorised peers; checking again costs nothing.
    if (!socket.authorized) {
      logger.warn({ authorizationError: socket.authorizationError }, 'caller not authorised');
      socket.destroy();
      return;
    }
    this.streams.add(socket);
    socket.once('close', () => this.streams.delete(socket));
    // A reset channel must never become an unhandled 'error' that takes the gateway down.
    socket.on('error', (error: NodeJS.ErrnoException) =>
      logger.debug({ error: error.message, code: error.code }, 'inner TLS stream error'),
    );

    const alpn = socket.alpnProtocol;
    const handler = typeof alpn === 'string' ? this.actions[alpn] : undefined;
    if (!handler) {
      // Only reachable when the caller offered no ALPN at all (an unknown one fails the handshake).
      logger.warn({ alpn: alpn || null }, 'caller chose no action (no ALPN); closing');
      endStream(socket);
      return;
    }
    logger = logger.child({ alpn });
    this.observer?.streamOpened?.(alpn as string);

    let extensions: ReturnType<typeof readBurrowExtensions>;
    try {
      // The leaf as OpenSSL holds it: `getPeerCertificate(true)` would first build it and every
      // issuer as JS objects (≈ 0.1 ms a stream, issue 20), only for its DER to be parsed again.
      const peer = socket.getPeerX509Certificate();
      if (!peer) throw new Error('the caller showed no certificate');
      const certificate = parseCertificate(peer);
      const refusal = this.refusalOf(certificate);
      if (refusal) {
        logger.warn(refusal, 'caller certificate refused; closing');
        endStream(socket);
        return;
      }
      extensions = readBurrowExtensions(certificate);
    } catch (error) {
      logger.warn(
        { error: error instanceof Error ? error.message : String(error) },
        'caller certificate extensions are malformed; closing',
      );
      endStream(socket);
      return;
    }
    const { routing, actor, pamSession } = extensions;
    logger = logger.child({
      actor: actor?.type ?? null,
      ...(actor?.id ? { actorId: actor.id } : {}),
      ...(routing ? { target: `${routing.targetHost}:${routing.targetPort}` } : {}),
    });
    logger.debug({ protocol: socket.getProtocol() }, 'inner TLS stream opened');
    const targetConnected = this.timeSetup(secureAt);
    try {
      handler({ socket, routing, actor, pamSession, logger, targetConnected });
    } catch (error) {
      logger.error(
        { error: error instanceof Error ? error.message : String(error) },
        'action failed',
      );
      socket.destroy();
    }
  }

  /**
   * Observes the stages up to the action's start (now) of the stream whose handshake ended at
   * `secureAt`; returns what times its target's connect (the action calls it, at most once).
   */
  private timeSetup(secureAt: number): (() => void) | undefined {
    const observe = this.observer?.setupStageDone;
    const timing = this.channelTiming.getStore();
    if (!observe || !timing) return undefined;
    const startedAt = performance.now();
    if (timing.acceptedAt !== undefined) {
      observe('first_byte', (timing.firstByteAt - timing.acceptedAt) / 1000);
    }
    observe('inner_tls', (secureAt - timing.firstByteAt) / 1000);
    observe('dispatch', (startedAt - secureAt) / 1000);
    let connected = false;
    return () => {
      if (connected) return;
      connected = true;
      observe('target_connect', (performance.now() - startedAt) / 1000);
    };
  }

  /** Why this caller certificate may not open a stream here (a log record), or undefined. */
  private refusalOf(certificate: X509Certificate): Record<string, string> | undefined {
    const now = this.now();
    if (now < certificate.notBefore.getTime() || now > certificate.notAfter.getTime()) {
      return {
        reason: 'the caller certificate is not valid now (expired or not yet valid)',
        notBefore: certificate.notBefore.toISOString(),
        notAfter: certificate.notAfter.toISOString(),
      };
    }
    const presented = readCallerGatewayId(certificate);
    if (presented !== this.gatewayId) {
      return {
        reason: 'the caller certificate was made for another gateway',
        expectedGatewayId: this.gatewayId,
        presentedGatewayId: presented ?? '(none)',
      };
    }
    return undefined;
  }
}

function secureContextOptions(credentials: InnerTlsCredentials): tls.SecureContextOptions {
  return {
    cert: credentials.serverCertificate,
    key: credentials.serverPrivateKey,
    ca: splitPemCertificates(credentials.clientCertificateChain),
    minVersion: 'TLSv1.2',
  };
}

/** Every certificate of a PEM bundle, each as its own PEM string (the reference's ClientCAs). */
export function splitPemCertificates(bundle: string): string[] {
  const certificates = bundle.match(
    /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g,
  );
  if (!certificates || certificates.length === 0) {
    throw new Error('pki.clientCertificateChain holds no PEM certificate');
  }
  return certificates.map((pem) => `${pem}\n`);
}

/** A bounded label for a refused handshake (metric labels must not be free text). */
function handshakeFailureReason(error: NodeJS.ErrnoException, socket: tls.TLSSocket): string {
  if (socket.authorizationError) return 'client_certificate_rejected';
  if (error.code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return 'timeout';
  if (error.code === 'ECONNRESET') return 'reset';
  if (/no_application_protocol|no application protocol/i.test(error.message)) return 'alpn';
  return 'protocol';
}

function firstLine(message: string): string {
  return message.split('\n')[0]?.trim() ?? message;
}
