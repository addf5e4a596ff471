/**
 * The relay's TLS listener for callers (reference §3.4), :8443 by default.
 *
 *   caller --TLS 1.2+ (relay server cert; caller MUST show a certificate chaining to the relay
 *            client CA chain from registration)--> relay
 *   route  = Subject CN of that verified certificate (routeCallerCommonName):
 *            all-zero CN       → heartbeat probe of the control plane: close
 *            a connected gateway → open a direct-tcpip channel to it and splice bytes both ways
 *            anything else    → close WITHOUT writing a byte (the caller is about to start the
 *                               inner TLS handshake; plaintext would only confuse it)
 *
 * The relay never parses what flows after the handshake: that is the caller's end-to-end mTLS
 * session with the gateway. Extension 1.3.6.1.4.1.12345.100.3 ({"name": gatewayName}) is read for
 * logging only; if it is present but malformed, the caller is refused like the reference does.
 *
 * Limits (tunnel-protocol limits.ts): the accept limiter (per-source rate and pending handshakes,
 * for unauthenticated work only) decides at TCP accept; then the connection waits, up to
 * RELAY_HANDSHAKE_QUEUE_TIMEOUT_MS, for a handshake slot (RELAY_TLS_HANDSHAKES_AT_ONCE, one pool
 * for sources that authenticated before and one for the others, at most
 * RELAY_TLS_HANDSHAKES_AT_ONCE_PER_UNKNOWN_SOURCE per unknown source), and no TLS byte is read
 * before it has one; the handshake has its deadline from then; at most MAX_STREAMS_PER_GATEWAY streams
 * per gateway; a stream idle (no byte either way) for STREAM_IDLE_TIMEOUT_MS is closed. Buffers:
 * each stream's SSH receive window comes out of a budget per caller certificate and per gateway
 * (stream-window-budget.ts), and the splice stops reading a side once RELAY_STREAM_UNFLUSHED_BYTES
 * written into the other are not flushed yet — so a caller that opens many streams and never
 * reads pins its budget, not 4 MiB per stream.
 *
 * Drain (`drain(deadlineMs)`): stop listening, let streams already spliced (and handshakes already
 * under way) finish until the deadline, then destroy what is left.
 */
import net, { type AddressInfo, type Socket } from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Logger } from '@burrow/observability';
import {
  HandshakeSlots,
  MAX_STREAMS_PER_GATEWAY,
  RELAY_HANDSHAKE_QUEUE_TIMEOUT_MS,
  RELAY_STREAM_UNFLUSHED_BYTES,
  RELAY_TLS_HANDSHAKES_AT_ONCE,
  RELAY_TLS_HANDSHAKES_AT_ONCE_PER_UNKNOWN_SOURCE,
  RELAY_TLS_HANDSHAKE_TIMEOUT_MS,
  STREAM_IDLE_TIMEOUT_MS,
  routeCallerCommonName,
  spliceStreams,
} from '@burrow/tunnel-protocol';
import { sourceKey, type AcceptLimiter } from './accept-limiter.ts';
import { readCallerCommonName, readCallerGatewayName } from './caller-certificate.ts';
import type { ClientCaChain } from './client-ca-chain.ts';
import { parseClientCaChain } from './client-ca-chain.ts';
import type { GatewaySession } from './gateway-registry.ts';
import { firstBytes } from './first-bytes.ts';
import type { RelayMetrics } from './relay-metrics.ts';
import type { RelayTlsCredentials } from './relay-registration.ts';
import { StreamWindowBudget, type StreamWindowLimits } from './stream-window-budget.ts';

/**
 * How long the relay waits for a gateway to confirm a channel. A live gateway answers in
 * milliseconds; a gateway that does not is about to be dropped by keepalives, and the caller should
 * not hang on it meanwhile.
 */
export const CHANNEL_OPEN_TIMEOUT_MS = 10_000;

/** After a failed handshake, how long the TLS alert may take to reach the client. */
const ALERT_FLUSH_GRACE_MS = 1_000;

export interface CallerListenerOptions {
  credentials: RelayTlsCredentials;
  /** The live session of a gateway, or undefined when it is not connected. */
  findGateway: (gatewayId: string) => GatewaySession | undefined;
  logger: Logger;
  handshakeTimeoutMs?: number;
  /** How long a connection may wait for a handshake slot (default RELAY_HANDSHAKE_QUEUE_TIMEOUT_MS). */
  handshakeQueueTimeoutMs?: number;
  /** Handshakes at once per pool (default RELAY_TLS_HANDSHAKES_AT_ONCE). */
  handshakesAtOnce?: number;
  channelOpenTimeoutMs?: number;
  /** Per-source admission at accept; none = admit everything. */
  limiter?: AcceptLimiter;
  metrics?: RelayMetrics;
  /** Default MAX_STREAMS_PER_GATEWAY. */
  maxStreamsPerGateway?: number;
  /** Default STREAM_IDLE_TIMEOUT_MS. */
  idleTimeoutMs?: number;
  /** Receive-window budgets per caller and per gateway (defaults: tunnel-protocol limits). */
  windowLimits?: Partial<StreamWindowLimits>;
}

export interface CallerListener {
  listen(port: number, host: string): Promise<AddressInfo>;
  /** New credentials for new connections; open connections keep the ones they started with. */
  updateCredentials(credentials: RelayTlsCredentials): void;
  /** Stops accepting and destroys every open caller connection. */
  close(): Promise<void>;
  /**
   * Stops accepting; resolves once every stream has finished, or at `deadlineMs`, when what is
   * left is destroyed. Resolves with the number of streams cut at the deadline.
   */
  drain(deadlineMs: number): Promise<number>;
  /** Open TCP connections, handshaking or spliced. */
  readonly connectionCount: number;
  /** Streams spliced to a gateway right now. */
  readonly streamCount: number;
  /**
   * Bytes the relay holds for its streams right now: read from one side and not yet flushed to
   * the other (socket and channel buffers, both directions).
   */
  readonly bufferedBytes: number;
  /** Receive-window bytes reserved by a caller (certificate SHA-256 fingerprint). */
  windowReservedByCaller(fingerprint: string): number;
}

/** What the listener keeps of an accepted connection until its handshake is done. */
interface Accepted {
  readonly at: number;
  authenticated(): void;
  handshakeDone(): void;
}

export function createCallerListener(options: CallerListenerOptions): CallerListener {
  const { logger, findGateway } = options;
  const channelOpenTimeoutMs = options.channelOpenTimeoutMs ?? CHANNEL_OPEN_TIMEOUT_MS;
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? RELAY_TLS_HANDSHAKE_TIMEOUT_MS;
  const handshakeQueueTimeoutMs =
    options.handshakeQueueTimeoutMs ?? RELAY_HANDSHAKE_QUEUE_TIMEOUT_MS;
  const handshakesAtOnce = options.handshakesAtOnce ?? RELAY_TLS_HANDSHAKES_AT_ONCE;
  // Sources that authenticated before (accept-limiter.ts "known") and the others: a flood of
  // handshakes that never finish only fills the second pool.
  const knownSlots = new HandshakeSlots({ limit: handshakesAtOnce });
  const unknownSlots = new HandshakeSlots({
    limit: handshakesAtOnce,
    maxPerKey: Math.max(
      1,
      Math.round(
        (handshakesAtOnce * RELAY_TLS_HANDSHAKES_AT_ONCE_PER_UNKNOWN_SOURCE) /
          RELAY_TLS_HANDSHAKES_AT_ONCE,
      ),
    ),
  });
  const maxStreamsPerGateway = options.maxStreamsPerGateway ?? MAX_STREAMS_PER_GATEWAY;
  const idleTimeoutMs = options.idleTimeoutMs ?? STREAM_IDLE_TIMEOUT_MS;
  const { limiter, metrics } = options;
  // Keyed by "address:port": the TLS socket in 'secureConnection' has the same peer as its raw one.
  const accepted = new Map<string, Accepted>();
  // Spliced streams (caller socket -> its channel), and how many each gateway has.
  const streams = new Map<tls.TLSSocket, Duplex>();
  const streamsPerGateway = new Map<string, number>();
  const windows = new StreamWindowBudget(options.windowLimits);
  // The channels open on each gateway session. When a gateway's SSH connection is lost, ssh2
  // ends its channels as if the gateway had sent EOF (right after the session's 'close'); the
  // splice would then end the callers' streams cleanly, and a caller cannot tell that from a
  // complete stream (Node reports a TLS stream that ends without close_notify as a clean end).
  // So each channel fails first (ssh2's destroy() takes no error: the error is emitted): the
  // splice delivers what the relay holds for the caller, then resets its connection.
  const channelsBySession = new Map<GatewaySession, Set<Duplex>>();
  const trackChannel = (session: GatewaySession, channel: Duplex): (() => void) => {
    let channels = channelsBySession.get(session);
    if (channels === undefined) {
      const open = new Set<Duplex>();
      channels = open;
      channelsBySession.set(session, open);
      session.once('close', () => {
        channelsBySession.delete(session);
        for (const lost of open) lost.emit('error', new Error('the gateway connection was lost'));
      });
    }
    const open = channels;
    open.add(channel);
    return () => {
      open.delete(channel);
    };
  };
  let draining = false;
  // Every accepted TCP connection, still handshaking or spliced; destroying one destroys its TLS
  // socket too.
  const connections = new Set<Socket>();
  let clientCaChain = parseClientCaChain(options.credentials.clientCertificateChain);

  const server = tls.createServer({
    ...secureContextOptions(options.credentials, clientCaChain),
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    // Counted from accept; handshake bytes do not reset it (only application data would), so a
    // client trickling its ClientHello is dropped on time too (see the caller-listener test).
    handshakeTimeout: handshakeTimeoutMs,
    // The splice relies on half-close: a caller's EOF must not cut the gateway's reply short.
    allowHalfOpen: true,
    // Without TCP_NODELAY each handshake layer inside the tunnel costs ~40 ms (Nagle + delayed ACK).
    noDelay: true,
  });

  // Handshake failures and timeouts: node:tls reports them here but leaves the socket open. node:tls rejects an unverifiable client certificate by destroying the
  // socket without an alert, and reports it only as a hang-up; authorizationError tells them apart
  // (the remote address is gone by then, so that line carries the verification code instead).
  // A bare hang-up before the handshake (port scans, TCP health checks) is only a debug line.
  // A timeout is its own reason: node:tls also sets authorizationError then (to the timeout's
  // code), which must not count as a rejected certificate (that metric has its own alert).
  server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: tls.TLSSocket) => {
    const timedOut = error.code === 'ERR_TLS_HANDSHAKE_TIMEOUT';
    const rejected = timedOut
      ? undefined
      : (socket.authorizationError as unknown as string | undefined);
    const fields = { remoteAddress: socket.remoteAddress, code: rejected ?? error.code };
    if (timedOut) {
      logger.info({ ...fields, reason: 'handshake timeout' }, 'Caller TLS handshake failed');
    } else if (rejected !== undefined) {
      logger.warn(
        { ...fields, reason: 'client certificate rejected' },
        'Caller TLS handshake failed',
      );
    } else {
      const level = error.code === 'ECONNRESET' ? 'debug' : 'info';
      logger[level]({ ...fields, reason: error.message }, 'Caller TLS handshake failed');
    }
    metrics?.handshakeFailures.inc({
      listener: 'tls',
      reason: rejected !== undefined ? 'client_certificate_rejected' : handshakeReason(error),
    });
    // Let an OpenSSL alert ("certificate required", ...) reach the client, then make sure the
    // socket goes.
    socket.destroySoon();
    setTimeout(() => socket.destroy(), ALERT_FLUSH_GRACE_MS).unref();
  });

  // The port itself is a plain TCP server: a connection is admitted, sends its first bytes, then
  // waits for a handshake slot, and only then is handed to the TLS server above, whose
  // handshake deadline starts there.
  const listener = net.createServer(
    { allowHalfOpen: true, noDelay: true, pauseOnConnect: true },
    (raw: Socket) => {
      const admission = limiter?.admit(raw.remoteAddress) ?? {
        ok: true,
        known: true,
        authenticated: () => {},
        handshakeDone: () => {},
      };
      if (!admission.ok) {
        metrics?.connectionsRefused.inc({ listener: 'tls', reason: admission.reason });
        raw.destroy();
        return;
      }
      const key = `${raw.remoteAddress}:${raw.remotePort}`;
      const gone = new AbortController();
      let releaseSlot = (): void => {};
      const handshakeDone = (): void => {
        admission.handshakeDone();
        releaseSlot();
      };
      accepted.set(key, {
        at: performance.now(),
        authenticated: admission.authenticated,
        handshakeDone,
      });
      connections.add(raw);
      raw.on('error', () => undefined); // a reset while queued; the TLS socket reports its own
      raw.once('close', () => {
        connections.delete(raw);
        gone.abort();
        handshakeDone();
        accepted.delete(key);
      });
      const slots = admission.known ? knownSlots : unknownSlots;
      const waitForSlot = (): Promise<void> =>
        slots
          .acquire({
            deadlineAt: Date.now() + handshakeQueueTimeoutMs,
            key: admission.known ? undefined : sourceKey(raw.remoteAddress),
            signal: gone.signal,
          })
          .then(
            (release) => {
              releaseSlot = release;
              if (raw.destroyed) return release();
              server.emit('connection', raw);
            },
            () => {
              if (raw.destroyed) return;
              metrics?.connectionsRefused.inc({
                listener: 'tls',
                reason: 'handshake_queue_timeout',
              });
              logger.info(
                { remoteAddress: raw.remoteAddress, handshakeQueueTimeoutMs },
                'Caller waited too long for a TLS handshake slot: closing',
              );
              raw.destroy();
            },
          );
      // A slot only for a connection that has started its handshake (first-bytes.ts: node:tls
      // would not notice a peer that closed before sending anything until its deadline).
      void firstBytes(raw, handshakeTimeoutMs).then((outcome) => {
        if (outcome === 'data') return waitForSlot();
        if (raw.destroyed) return;
        if (outcome === 'timeout') {
          logger.info(
            {
              remoteAddress: raw.remoteAddress,
              code: 'ERR_TLS_HANDSHAKE_TIMEOUT',
              reason: 'handshake timeout',
            },
            'Caller TLS handshake failed',
          );
        } else {
          logger.debug({ remoteAddress: raw.remoteAddress }, 'Caller closed before its TLS hello');
        }
        metrics?.handshakeFailures.inc({
          listener: 'tls',
          reason: outcome === 'timeout' ? 'timeout' : 'closed_before_hello',
        });
        raw.destroy();
      });
    },
  );

  server.on('secureConnection', (socket: tls.TLSSocket) => {
    // A reset before the splice takes over must not crash the relay.
    socket.on('error', () => undefined);
    const key = `${socket.remoteAddress}:${socket.remotePort}`;
    const acceptance = accepted.get(key);
    accepted.delete(key);
    acceptance?.handshakeDone();
    void routeCaller(socket, acceptance);
  });

  const refuse = (
    socket: tls.TLSSocket,
    reason: string,
    fields: object = {},
    metricReason = 'refused',
  ): void => {
    metrics?.callerRefusals.inc({ reason: metricReason });
    logger.warn({ remoteAddress: socket.remoteAddress, reason, ...fields }, 'Caller refused');
    // end() sends only the TLS close_notify alert (no application byte); then destroy.
    socket.destroySoon();
  };

  async function routeCaller(
    socket: tls.TLSSocket,
    acceptance: Accepted | undefined,
  ): Promise<void> {
    const tlsDoneAt = performance.now();
    const acceptedAt = acceptance?.at ?? tlsDoneAt;
    const remoteAddress = socket.remoteAddress;
    if (!socket.authorized) {
      refuse(
        socket,
        `client certificate not verified: ${String(socket.authorizationError)}`,
        {},
        'client_certificate',
      );
      return;
    }
    // The leaf as OpenSSL holds it (caller-certificate.ts: read from its DER, not as a JS object).
    const peer = socket.getPeerX509Certificate();
    if (peer === undefined || !clientCaChain.issued(peer.raw)) {
      refuse(
        socket,
        'client certificate is not signed by the relay client CA',
        {},
        'client_certificate',
      );
      return;
    }
    // An authenticated caller: the accept limiter no longer meters its source (streams have
    // their own quotas below).
    acceptance?.authenticated();
    let commonName: string | undefined;
    try {
      commonName = readCallerCommonName(peer.raw);
    } catch (error) {
      refuse(socket, `unreadable client certificate: ${(error as Error).message}`, {}, 'bad_route');
      return;
    }
    const route = routeCallerCommonName(commonName);
    if (route === undefined) {
      refuse(socket, 'client certificate CN is not a gateway ID', { commonName }, 'bad_route');
      return;
    }
    if (route.kind === 'heartbeat') {
      logger.debug({ remoteAddress }, 'Heartbeat probe from the control plane');
      socket.destroySoon();
      return;
    }
    const { gatewayId } = route;
    let gatewayName: string | undefined;
    try {
      gatewayName = readCallerGatewayName(peer.raw);
    } catch (error) {
      refuse(
        socket,
        `malformed gateway name extension: ${(error as Error).message}`,
        { gatewayId },
        'bad_route',
      );
      return;
    }
    const session = findGateway(gatewayId);
    if (session === undefined) {
      refuse(
        socket,
        'gateway is not connected to this relay',
        { gatewayId, gatewayName },
        'gateway_not_connected',
      );
      return;
    }
    const gatewayKey = gatewayId.toLowerCase();
    const open = streamsPerGateway.get(gatewayKey) ?? 0;
    if (open >= maxStreamsPerGateway) {
      metrics?.connectionsRefused.inc({ listener: 'tls', reason: 'stream_limit' });
      refuse(
        socket,
        `gateway has ${open} open streams (limit ${maxStreamsPerGateway})`,
        { gatewayId, gatewayName },
        'stream_limit',
      );
      return;
    }
    // Counted from here, so concurrent opens cannot overshoot the limit.
    streamsPerGateway.set(gatewayKey, open + 1);
    const release = (): void => {
      const left = (streamsPerGateway.get(gatewayKey) ?? 1) - 1;
      if (left <= 0) streamsPerGateway.delete(gatewayKey);
      else streamsPerGateway.set(gatewayKey, left);
    };
    // The caller's identity for its quota: its certificate (a resumed session has the same one).
    const callerKey = peer.fingerprint256 || `${gatewayKey}@${String(remoteAddress)}`;
    const grant = windows.reserve(gatewayKey, callerKey);
    const releaseStream = (): void => {
      release();
      grant.release();
    };
    const routedAt = performance.now();
    let channel: Duplex;
    try {
      channel = await openChannelWithin(session, channelOpenTimeoutMs, grant.window);
    } catch (error) {
      releaseStream();
      refuse(
        socket,
        `could not open a channel to the gateway: ${(error as Error).message}`,
        { gatewayId, gatewayName },
        'channel_open_failed',
      );
      return;
    }
    if (socket.destroyed) {
      releaseStream();
      channel.destroy();
      return;
    }
    const channelOpenAt = performance.now();
    if (metrics) {
      metrics.streamSetupSeconds.observe((channelOpenAt - acceptedAt) / 1000);
      metrics.setupStageDone('caller_tls', (tlsDoneAt - acceptedAt) / 1000);
      metrics.setupStageDone('route', (routedAt - tlsDoneAt) / 1000);
      metrics.setupStageDone('channel_open', (channelOpenAt - routedAt) / 1000);
      // Bytes already read from the caller: its inner ClientHello came right behind its Finished
      // and waited here for the channel (what the caller can do at best without a pre-opened one).
      metrics.callerBytesAtChannelOpen.inc({ buffered: String(socket.readableLength > 0) });
      timeFirstBytes(socket, channel, channelOpenAt, metrics);
    }
    metrics?.streamsOpen.inc();
    streams.set(socket, channel);
    const untrackChannel = trackChannel(session, channel);
    let endedBy: string | undefined;
    // No byte either way for idleTimeoutMs: the caller socket sees both directions.
    socket.setTimeout(idleTimeoutMs, () => {
      endedBy = 'idle_timeout';
      logger.info({ gatewayId, remoteAddress, idleTimeoutMs }, 'Caller stream idle: closing');
      socket.destroy(); // the splice takes the channel down with it
    });
    const fields = { gatewayId, gatewayName, remoteAddress };
    logger.debug(fields, 'Caller connected to gateway');
    void spliceStreams(socket, channel, { maxBufferedBytes: RELAY_STREAM_UNFLUSHED_BYTES }).then(
      (result) => {
        streams.delete(socket);
        untrackChannel();
        releaseStream();
        metrics?.streamsOpen.dec();
        metrics?.streamBytes.inc({ direction: 'from_caller' }, result.bytesFromA);
        metrics?.streamBytes.inc({ direction: 'from_gateway' }, result.bytesFromB);
        metrics?.streams.inc({
          result: endedBy ?? (draining && result.error ? 'drained' : result.error ? 'error' : 'ok'),
        });
        logger.debug(
          {
            ...fields,
            bytesFromCaller: result.bytesFromA,
            bytesFromGateway: result.bytesFromB,
            err: result.error?.message,
          },
          'Caller stream closed',
        );
      },
    );
  }

  return {
    listen(port, host) {
      return new Promise((resolve, reject) => {
        listener.once('error', reject);
        listener.listen(port, host, () => {
          listener.off('error', reject);
          resolve(listener.address() as AddressInfo);
        });
      });
    },
    updateCredentials(credentials) {
      const chain = parseClientCaChain(credentials.clientCertificateChain);
      server.setSecureContext(secureContextOptions(credentials, chain));
      clientCaChain = chain;
    },
    async drain(deadlineMs) {
      draining = true;
      // Stops listening at once (close()'s callback waits for open connections; close() does too).
      listener.close();
      const deadline = Date.now() + deadlineMs;
      // Handshakes under way become streams or fail within their deadline; wait for both.
      while ((streams.size > 0 || accepted.size > 0) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const cut = streams.size;
      for (const [socket, channel] of streams) {
        socket.destroy();
        channel.destroy();
      }
      return cut;
    },
    async close() {
      const serverClosed = new Promise<void>((resolve) => listener.close(() => resolve()));
      const socketsClosed = [...connections].map(
        (socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())),
      );
      for (const socket of connections) socket.destroy();
      await Promise.all([serverClosed, ...socketsClosed]);
    },
    get connectionCount() {
      return connections.size;
    },
    get streamCount() {
      return streams.size;
    },
    get bufferedBytes() {
      let total = 0;
      for (const [socket, channel] of streams) {
        total += socket.readableLength + socket.writableLength;
        total += channel.readableLength + channel.writableLength;
      }
      return total;
    },
    windowReservedByCaller(fingerprint) {
      return windows.reservedByCaller(fingerprint);
    },
  };
}

/**
 * Observes the last two setup stages: the first chunk each way, as the splice (which adds its own
 * 'data' listeners right after these) forwards it. The gateway speaks second in TLS, so its first
 * byte is timed from the caller's (or from the channel's opening, should it speak first).
 */
function timeFirstBytes(
  socket: tls.TLSSocket,
  channel: Duplex,
  channelOpenAt: number,
  metrics: RelayMetrics,
): void {
  let toGatewayAt: number | undefined;
  socket.once('data', () => {
    toGatewayAt = performance.now();
    metrics.setupStageDone('first_byte_to_gateway', (toGatewayAt - channelOpenAt) / 1000);
  });
  channel.once('data', () => {
    const from = toGatewayAt ?? channelOpenAt;
    metrics.setupStageDone('first_byte_to_caller', (performance.now() - from) / 1000);
  });
}

/** A short, bounded label for a failed handshake (metrics labels must not be free text). */
function handshakeReason(error: NodeJS.ErrnoException): string {
  if (error.code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return 'timeout';
  if (error.code === 'ECONNRESET' || error.message.includes('socket disconnected')) return 'reset';
  return 'protocol';
}

function secureContextOptions(
  credentials: RelayTlsCredentials,
  clientCaChain: ClientCaChain,
): tls.SecureContextOptions {
  return {
    cert: credentials.serverCertificate,
    key: credentials.serverPrivateKey,
    ca: clientCaChain.certificatesPem,
  };
}

/** Opens a channel, or rejects after `timeoutMs`; a channel that arrives too late is destroyed. */
function openChannelWithin(
  session: GatewaySession,
  timeoutMs: number,
  receiveWindow: number,
): Promise<Duplex> {
  return new Promise<Duplex>((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    session.openChannel({ receiveWindow }).then(
      (channel) => {
        clearTimeout(timer);
        if (timedOut) channel.destroy();
        else resolve(channel);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
