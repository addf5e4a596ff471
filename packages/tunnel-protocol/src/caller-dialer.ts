import net from 'node:net';
import tls from 'node:tls';
import type { AlpnName } from './alpn.ts';
import { INNER_TLS_HANDSHAKE_TIMEOUT_MS, RELAY_TLS_HANDSHAKE_TIMEOUT_MS } from './limits.ts';
import { RELAY_TLS_PORT } from './ports.ts';

/**
 * The caller side of a tunnel: used by the control plane (health probes, test connections) and
 * the access CLI.
 *
 *   caller --TCP--> relay:8443
 *          --outer TLS (relay server cert; caller shows the relay client cert, CN = gatewayId)-->
 *          ==inner TLS 1.2/1.3 mTLS over the outer stream (gateway server cert, SAN localhost;
 *            caller shows the gateway client cert whose extensions name the target), ALPN = action==>
 *
 * Resolves with the inner TLS socket once both handshakes completed and the gateway agreed to the
 * ALPN. Every stage has a deadline; a failure rejects with a {@link DialError} naming the stage.
 *
 * Under TLS 1.3 the client finishes its handshake before the gateway has checked the client
 * certificate, so a rejected caller sees the connection close right after `secureConnect`; the
 * first read then fails. Callers treat an early close as an authentication failure.
 *
 * Session resumption: pass the same `sessions` object to every dial. Each hop stores the session
 * ticket its server sent (TLS 1.3 NewSessionTicket, the `'session'` event) and the next dial offers
 * it, so the relay and the gateway skip the certificate exchange and signature checks (about half
 * the cost of a new stream). The servers keep authorising every stream: a resumed session carries
 * the certificate it was established with, and a ticket is only valid for the server that issued
 * it (each relay and gateway process has its own ticket keys, so a restart means one full
 * handshake).
 *
 * @example
 *   const sessions: TlsSessionStore = {};
 *   const socket = await dialGateway({ relayHost: '127.0.0.1', relay, gateway, alpn: ALPN.tcpProxy, sessions });
 *   socket.write('hello');
 */
export interface TlsCredentials {
  /** PEM certificate presented by the caller. */
  certificate: string;
  /** PEM PKCS#8 private key of that certificate. */
  privateKey: string;
  /** PEM chain the caller trusts for the server side of this hop. */
  serverCertificateChain: string;
}

export interface DialGatewayOptions {
  relayHost: string;
  relayPort?: number;
  relay: TlsCredentials;
  gateway: TlsCredentials;
  alpn: AlpnName | AlpnName[];
  relayHandshakeTimeoutMs?: number;
  innerHandshakeTimeoutMs?: number;
  /** TLS sessions to resume, updated with the tickets the relay and the gateway send. */
  sessions?: TlsSessionStore;
}

/** The latest TLS session (ticket) of each hop, as `tls.connect({ session })` takes it. */
export interface TlsSessionStore {
  relay?: Buffer;
  gateway?: Buffer;
}

export type DialStage = 'relay-connect' | 'relay-tls' | 'gateway-tls';

export class DialError extends Error {
  readonly stage: DialStage;
  constructor(stage: DialStage, message: string, cause?: unknown) {
    super(`${stage}: ${message}`, { cause });
    this.name = 'DialError';
    this.stage = stage;
  }
}

/** Opens the outer TLS connection to the relay. */
export function dialRelay(options: DialGatewayOptions): Promise<tls.TLSSocket> {
  const port = options.relayPort ?? RELAY_TLS_PORT;
  const timeoutMs = options.relayHandshakeTimeoutMs ?? RELAY_TLS_HANDSHAKE_TIMEOUT_MS;
  return handshake('relay-tls', timeoutMs, () => {
    const socket = tls.connect({
      host: options.relayHost,
      port,
      // SNI must be a DNS name (RFC 6066); for an IP address the SAN is checked against `host`.
      ...(net.isIP(options.relayHost) ? {} : { servername: options.relayHost }),
      ca: options.relay.serverCertificateChain,
      cert: options.relay.certificate,
      key: options.relay.privateKey,
      minVersion: 'TLSv1.2',
      ...(options.sessions?.relay ? { session: options.sessions.relay } : {}),
    });
    rememberSessions(socket, options.sessions, 'relay');
    // Without TCP_NODELAY each handshake layer waits ~40 ms on Nagle + delayed ACK.
    socket.setNoDelay(true);
    return socket;
  });
}

/** Dials relay and gateway and returns the inner, end-to-end mutually authenticated socket. */
export async function dialGateway(options: DialGatewayOptions): Promise<tls.TLSSocket> {
  const outer = await dialRelay(options);
  const alpn = Array.isArray(options.alpn) ? options.alpn : [options.alpn];
  const timeoutMs = options.innerHandshakeTimeoutMs ?? INNER_TLS_HANDSHAKE_TIMEOUT_MS;
  try {
    const inner = await handshake('gateway-tls', timeoutMs, () => {
      const socket = tls.connect({
        socket: outer,
        servername: 'localhost', // the gateway server certificate's SAN (reference §2.2)
        ca: options.gateway.serverCertificateChain,
        cert: options.gateway.certificate,
        key: options.gateway.privateKey,
        ALPNProtocols: alpn,
        minVersion: 'TLSv1.2',
        ...(options.sessions?.gateway ? { session: options.sessions.gateway } : {}),
      });
      rememberSessions(socket, options.sessions, 'gateway');
      return socket;
    });
    if (!inner.alpnProtocol || !alpn.includes(inner.alpnProtocol as AlpnName)) {
      inner.destroy();
      throw new DialError('gateway-tls', `gateway did not accept ALPN ${alpn.join(',')}`);
    }
    inner.once('close', () => outer.destroy());
    return inner;
  } catch (error) {
    outer.destroy();
    throw error;
  }
}

function rememberSessions(
  socket: tls.TLSSocket,
  store: TlsSessionStore | undefined,
  hop: keyof TlsSessionStore,
): void {
  if (store) socket.on('session', (session: Buffer) => (store[hop] = session));
}

function handshake(
  stage: DialStage,
  timeoutMs: number,
  connect: () => tls.TLSSocket,
): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect();
    // For the first hop, an error before the TCP connection exists is a connect failure.
    let tcpConnected = stage !== 'relay-tls';
    socket.once('connect', () => (tcpConnected = true));
    const fail = (message: string, cause?: unknown): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(new DialError(tcpConnected ? stage : 'relay-connect', message, cause));
    };
    const timer = setTimeout(() => fail(`handshake timed out after ${timeoutMs} ms`), timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.removeAllListeners('close');
      resolve(socket);
    });
    socket.once('error', (error: Error) => fail(error.message, error));
    socket.once('close', () => fail('connection closed during the handshake'));
  });
}
