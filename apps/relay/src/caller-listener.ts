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
 */
import type { AddressInfo, Socket } from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { RELAY_TLS_HANDSHAKE_TIMEOUT_MS, routeCallerCommonName } from '@burrow/tunnel-protocol';
import { readCallerGatewayName } from './caller-certificate.ts';
import type { ClientCaChain } from './client-ca-chain.ts';
import { parseClientCaChain } from './client-ca-chain.ts';
import type { GatewaySession } from './gateway-registry.ts';
import type { RelayTlsCredentials } from './relay-registration.ts';
import { spliceStreams } from './splice-streams.ts';

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
  channelOpenTimeoutMs?: number;
}

export interface CallerListener {
  listen(port: number, host: string): Promise<AddressInfo>;
  /** New credentials for new connections; open connections keep the ones they started with. */
  updateCredentials(credentials: RelayTlsCredentials): void;
  /** Stops accepting and destroys every open caller connection. */
  close(): Promise<void>;
  /** Open TCP connections, handshaking or spliced. */
  readonly connectionCount: number;
}

export function createCallerListener(options: CallerListenerOptions): CallerListener {
  const { logger, findGateway } = options;
  const channelOpenTimeoutMs = options.channelOpenTimeoutMs ?? CHANNEL_OPEN_TIMEOUT_MS;
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? RELAY_TLS_HANDSHAKE_TIMEOUT_MS;
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
  server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: tls.TLSSocket) => {
    const rejected = socket.authorizationError as unknown as string | undefined;
    const fields = { remoteAddress: socket.remoteAddress, code: rejected ?? error.code };
    if (rejected !== undefined) {
      logger.warn(
        { ...fields, reason: 'client certificate rejected' },
        'Caller TLS handshake failed',
      );
    } else {
      const level = error.code === 'ECONNRESET' ? 'debug' : 'info';
      logger[level]({ ...fields, reason: error.message }, 'Caller TLS handshake failed');
    }
    // Let an OpenSSL alert ("certificate required", ...) reach the client, then make sure the
    // socket goes.
    socket.destroySoon();
    setTimeout(() => socket.destroy(), ALERT_FLUSH_GRACE_MS).unref();
  });

  server.on('connection', (raw: Socket) => {
    connections.add(raw);
    raw.once('close', () => connections.delete(raw));
  });

  server.on('secureConnection', (socket: tls.TLSSocket) => {
    // A reset before the splice takes over must not crash the relay.
    socket.on('error', () => undefined);
    void routeCaller(socket);
  });

  const refuse = (socket: tls.TLSSocket, reason: string, fields: object = {}): void => {
    logger.warn({ remoteAddress: socket.remoteAddress, reason, ...fields }, 'Caller refused');
    // end() sends only the TLS close_notify alert (no application byte); then destroy.
    socket.destroySoon();
  };

  async function routeCaller(socket: tls.TLSSocket): Promise<void> {
    const remoteAddress = socket.remoteAddress;
    if (!socket.authorized) {
      refuse(socket, `client certificate not verified: ${String(socket.authorizationError)}`);
      return;
    }
    const peer = socket.getPeerCertificate(true);
    if (!clientCaChain.issued(peer.raw)) {
      refuse(socket, 'client certificate is not signed by the relay client CA');
      return;
    }
    const commonName = typeof peer.subject?.CN === 'string' ? peer.subject.CN : undefined;
    const route = routeCallerCommonName(commonName);
    if (route === undefined) {
      refuse(socket, 'client certificate CN is not a gateway ID', { commonName });
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
      refuse(socket, `malformed gateway name extension: ${(error as Error).message}`, {
        gatewayId,
      });
      return;
    }
    const session = findGateway(gatewayId);
    if (session === undefined) {
      refuse(socket, 'gateway is not connected to this relay', { gatewayId, gatewayName });
      return;
    }
    let channel: Duplex;
    try {
      channel = await openChannelWithin(session, channelOpenTimeoutMs);
    } catch (error) {
      refuse(socket, `could not open a channel to the gateway: ${(error as Error).message}`, {
        gatewayId,
        gatewayName,
      });
      return;
    }
    if (socket.destroyed) {
      channel.destroy();
      return;
    }
    const fields = { gatewayId, gatewayName, remoteAddress };
    logger.debug(fields, 'Caller connected to gateway');
    spliceStreams(socket, channel, (result) => {
      logger.debug(
        {
          ...fields,
          bytesFromCaller: result.bytesFromA,
          bytesFromGateway: result.bytesFromB,
          err: result.error?.message,
        },
        'Caller stream closed',
      );
    });
  }

  return {
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    updateCredentials(credentials) {
      const chain = parseClientCaChain(credentials.clientCertificateChain);
      server.setSecureContext(secureContextOptions(credentials, chain));
      clientCaChain = chain;
    },
    async close() {
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      const socketsClosed = [...connections].map(
        (socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())),
      );
      for (const socket of connections) socket.destroy();
      await Promise.all([serverClosed, ...socketsClosed]);
    },
    get connectionCount() {
      return connections.size;
    },
  };
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
function openChannelWithin(session: GatewaySession, timeoutMs: number): Promise<Duplex> {
  return new Promise<Duplex>((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    session.openChannel().then(
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
