import net from 'node:net';
import tls from 'node:tls';
import { parseCertificateChainPem, readGatewayIdentities } from '@burrow/pki';
import type { AlpnName } from './alpn.ts';
import { validityProblem } from './certificate-validity.ts';
import { HandshakeSlots, HandshakeSlotTimeout } from './handshake-slots.ts';
import {
  CALLER_DIALS_AT_ONCE,
  CALLER_RELAY_STAGE_TIMEOUT_MS,
  GATEWAY_DIAL_DEADLINE_MS,
  INNER_TLS_HANDSHAKE_TIMEOUT_MS,
  RELAY_CONNECT_TIMEOUT_MS,
} from './limits.ts';
import { RELAY_TLS_PORT } from './ports.ts';
import { secureContextFor } from './tls-context-cache.ts';

/**
 * The caller side of a tunnel: used by the control plane (health probes, test connections) and
 * the access CLI.
 *
 *   caller --TCP--> relay:8443
 *          --outer TLS (relay server cert; caller shows the relay client cert, CN = gatewayId)-->
 *          ==inner TLS 1.2/1.3 mTLS over the outer stream (gateway server cert, SAN localhost;
 *            caller shows the gateway client cert whose extensions name the target), ALPN = action==>
 *
 * Resolves with the inner TLS socket once both handshakes completed, the gateway proved it is the
 * gateway this dial is for, and it agreed to the ALPN. Every stage has a deadline; a failure
 * rejects with a {@link DialError} naming the stage:
 *
 *   stage           ends when                          its own limit (all within `deadlineAt`,
 *                                                      default GATEWAY_DIAL_DEADLINE_MS from now)
 *   dial-slot       one of the process's dial slots    (the deadline) CALLER_DIALS_AT_ONCE dials
 *                   is free                            run at once, the others wait in order
 *   relay-connect   TCP to the relay is up             RELAY_CONNECT_TIMEOUT_MS
 *   relay-tls       the outer handshake is done        CALLER_RELAY_STAGE_TIMEOUT_MS from connect
 *                                                      start (the relay's queue + its handshake)
 *   gateway-tls     the inner handshake is done        INNER_TLS_HANDSHAKE_TIMEOUT_MS
 *   gateway-identity  checked at once, no wait
 *
 * The slot is held until the dial ends (both handshakes), and not by the stream afterwards: see
 * {@link HandshakeSlots} for why bounding handshakes at once keeps a burst of streams on a loaded
 * machine from missing every deadline together. A caller that tries several relays passes the same
 * `deadlineAt` to each attempt, so the last relay gets what is left.
 *
 * Gateway pinning: every gateway server certificate is signed by the same org CA, so the CA check
 * alone would let anyone holding some gateway's certificate and key (a relay operator can register
 * a gateway of its own) terminate the inner TLS in place of the real gateway and read the stream.
 * The gateway's certificate therefore names it (URI SAN `urn:burrow:gateway:<gatewayId>`,
 * `@burrow/pki` gateway-identity.ts), and the dialer checks it against the gateway it asked for —
 * `gatewayId`, by default the CN of the relay client certificate, which is what the relay routes
 * by — on every stream, resumed or not, before the socket is handed to the caller: a mismatch is a
 * {@link GatewayIdentityError} naming both gateways, and no byte of the caller's payload has been
 * written.
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
 * handshake). A resumed session shows the client no server certificate, so the pinning rests on
 * the ticket: a gateway ticket is kept only from a stream whose certificate named the expected
 * gateway, is stored with that gateway's ID, and is offered only when dialing that same gateway —
 * only the server that passed the check can resume it. A ticket is also offered only with the
 * client certificate it was obtained with: it stands for that certificate, so after new connection
 * details a resumed stream would still present the old (possibly expired) one, which the servers
 * refuse.
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
  /** The relay stage, TCP connect + outer TLS (default CALLER_RELAY_STAGE_TIMEOUT_MS). */
  relayHandshakeTimeoutMs?: number;
  /** The gateway stage, the inner TLS handshake (default INNER_TLS_HANDSHAKE_TIMEOUT_MS). */
  innerHandshakeTimeoutMs?: number;
  /** TLS sessions to resume, updated with the tickets the relay and the gateway send. */
  sessions?: TlsSessionStore;
  /**
   * Epoch ms by which the whole dial must be done, whatever its stage timeouts say: a caller that
   * tries several relays gives every attempt the same deadline (GATEWAY_DIAL_DEADLINE_MS), so a
   * fallback does not start a fresh one. Default: GATEWAY_DIAL_DEADLINE_MS from now (dialRelay
   * alone: the relay stage's timeout from now).
   */
  deadlineAt?: number;
  /** Where this dial waits for its turn (default: the slots every dial of this process shares). */
  dialSlots?: HandshakeSlots;
  /**
   * The gateway this dial is for: its server certificate must name it. Default: the CN of
   * `relay.certificate` (reference §2.2: the relay client certificate's CN is the gateway ID).
   */
  gatewayId?: string;
  /**
   * Told of each stage that ended successfully, in order, with when it ended (`performance.now()`),
   * so a caller can time one stream's setup hop by hop (the bench does). `gateway-tls` covers the
   * relay's routing and channel open as well as the inner handshake, since the caller sees no
   * byte in between; it is reported once the gateway's identity and ALPN are checked too. A stage
   * that failed is not reported.
   */
  onStageDone?: (stage: DialStage, at: number) => void;
}

/** The latest TLS session (ticket) of each hop, as `tls.connect({ session })` takes it. */
export interface TlsSessionStore {
  relay?: Buffer;
  gateway?: Buffer;
  /** The gateway whose verified stream sent `gateway`; the ticket is offered to it only. */
  gatewayId?: string;
  /** The client certificates (PEM) the tickets stand for; each is offered with its own only. */
  relayCertificate?: string;
  gatewayCertificate?: string;
}

export type DialStage =
  'dial-slot' | 'relay-connect' | 'relay-tls' | 'gateway-tls' | 'gateway-identity';

export class DialError extends Error {
  readonly stage: DialStage;
  constructor(stage: DialStage, message: string, cause?: unknown) {
    super(`${stage}: ${message}`, { cause });
    this.name = 'DialError';
    this.stage = stage;
  }
}

/**
 * The gateway answering through the relay is not the one the dial was for (or the dial cannot
 * tell which one it is for). The relay, or whoever stands between, may be trying to read the
 * stream: nothing was written to it.
 */
export class GatewayIdentityError extends DialError {
  /** The gateway ID the dial was for (undefined when it could not be told). */
  readonly expected: string | undefined;
  /** The gateway IDs the answering certificate names (empty: none). */
  readonly presented: readonly string[];
  constructor(expected: string | undefined, presented: readonly string[], message?: string) {
    super(
      'gateway-identity',
      message ??
        `the gateway that answered is not the one asked for: expected gateway ${expected}, ` +
          `the gateway presented ${presented.length === 0 ? 'no gateway identity' : presented.join(', ')}`,
    );
    this.name = 'GatewayIdentityError';
    this.expected = expected;
    this.presented = presented;
  }
}

/** The dial slots every dial of this process shares (see {@link CALLER_DIALS_AT_ONCE}). */
export const callerDialSlots = new HandshakeSlots({ limit: CALLER_DIALS_AT_ONCE });

/** Opens the outer TLS connection to the relay. */
export async function dialRelay(options: DialGatewayOptions): Promise<tls.TLSSocket> {
  const deadlineAt =
    options.deadlineAt ??
    Date.now() + (options.relayHandshakeTimeoutMs ?? CALLER_RELAY_STAGE_TIMEOUT_MS);
  const release = await takeDialSlot(options, deadlineAt);
  try {
    return await connectRelay(options, deadlineAt);
  } finally {
    release();
  }
}

/** Waits for a dial slot until `deadlineAt`; a dial that gets none fails at stage `dial-slot`. */
async function takeDialSlot(options: DialGatewayOptions, deadlineAt: number): Promise<() => void> {
  try {
    const release = await (options.dialSlots ?? callerDialSlots).acquire({ deadlineAt });
    options.onStageDone?.('dial-slot', performance.now());
    return release;
  } catch (error) {
    if (error instanceof HandshakeSlotTimeout) throw new DialError('dial-slot', error.message);
    throw error;
  }
}

function connectRelay(options: DialGatewayOptions, deadlineAt: number): Promise<tls.TLSSocket> {
  const port = options.relayPort ?? RELAY_TLS_PORT;
  const timeoutMs = withinDeadline(
    options.relayHandshakeTimeoutMs ?? CALLER_RELAY_STAGE_TIMEOUT_MS,
    deadlineAt,
  );
  const connectTimeoutMs = Math.min(RELAY_CONNECT_TIMEOUT_MS, timeoutMs);
  return handshake('relay-tls', timeoutMs, connectTimeoutMs, options.onStageDone, () => {
    const socket = tls.connect({
      host: options.relayHost,
      port,
      // SNI must be a DNS name (RFC 6066); for an IP address the SAN is checked against `host`.
      ...(net.isIP(options.relayHost) ? {} : { servername: options.relayHost }),
      secureContext: secureContextFor(options.relay),
      ...(options.sessions?.relay !== undefined &&
      options.sessions.relayCertificate === options.relay.certificate
        ? { session: options.sessions.relay }
        : {}),
    });
    const store = options.sessions;
    if (store) {
      socket.on('session', (session: Buffer) => {
        store.relay = session;
        store.relayCertificate = options.relay.certificate;
      });
    }
    // Without TCP_NODELAY each handshake layer waits ~40 ms on Nagle + delayed ACK.
    socket.setNoDelay(true);
    return socket;
  });
}

/** Dials relay and gateway and returns the inner, end-to-end mutually authenticated socket. */
export async function dialGateway(options: DialGatewayOptions): Promise<tls.TLSSocket> {
  const expectedGatewayId =
    options.gatewayId ?? gatewayIdOfRelayCertificate(options.relay.certificate);
  if (expectedGatewayId === undefined) {
    throw new GatewayIdentityError(
      undefined,
      [],
      'cannot tell which gateway this dial is for: no gatewayId, and the relay client certificate has no CN',
    );
  }
  refuseInvalidCertificates(options);
  const store = options.sessions;
  const offered =
    store?.gateway !== undefined &&
    store.gatewayId === expectedGatewayId &&
    store.gatewayCertificate === options.gateway.certificate
      ? store.gateway
      : undefined;
  const tickets = new VerifiedTickets((ticket) => {
    if (!store) return;
    store.gateway = ticket;
    store.gatewayId = expectedGatewayId;
    store.gatewayCertificate = options.gateway.certificate;
  });
  const deadlineAt = options.deadlineAt ?? Date.now() + GATEWAY_DIAL_DEADLINE_MS;
  const release = await takeDialSlot(options, deadlineAt);
  try {
    return await dialThroughRelay(options, deadlineAt, expectedGatewayId, offered, tickets);
  } finally {
    release();
  }
}

/**
 * Under TLS 1.3 a relay or gateway that rejects the caller's certificate just closes the
 * connection after the caller's side of the handshake is done: the caller would see "socket
 * disconnected" (relay) or a stream that ends at once (gateway), and no reason. Connection
 * details are short-lived (minutes), so a certificate past its notAfter is the usual reason: it
 * is named here, before any byte is sent, by this machine's clock.
 */
function refuseInvalidCertificates(options: DialGatewayOptions): void {
  const now = Date.now();
  for (const hop of ['relay', 'gateway'] as const) {
    const problem = validityProblem(options[hop].certificate, now);
    if (problem === undefined) continue;
    throw new DialError(
      hop === 'relay' ? 'relay-tls' : 'gateway-tls',
      `the ${hop} client certificate ${problem} (by this machine's clock): the ${hop} would ` +
        'refuse it; fetch new connection details',
    );
  }
}

async function dialThroughRelay(
  options: DialGatewayOptions,
  deadlineAt: number,
  expectedGatewayId: string,
  offered: Buffer | undefined,
  tickets: VerifiedTickets,
): Promise<tls.TLSSocket> {
  const outer = await connectRelay(options, deadlineAt);
  const alpn = Array.isArray(options.alpn) ? options.alpn : [options.alpn];
  const timeoutMs = withinDeadline(
    options.innerHandshakeTimeoutMs ?? INNER_TLS_HANDSHAKE_TIMEOUT_MS,
    deadlineAt,
  );
  try {
    const inner = await handshake('gateway-tls', timeoutMs, undefined, undefined, () => {
      const socket = tls.connect({
        socket: outer,
        servername: 'localhost', // the gateway server certificate's SAN (reference §2.2)
        secureContext: secureContextFor(options.gateway),
        ALPNProtocols: alpn,
        ...(offered ? { session: offered } : {}),
      });
      socket.on('session', (ticket: Buffer) => tickets.receive(ticket));
      return socket;
    });
    const innerHandshakeDoneAt = performance.now();
    // Before anything else. A resumed session shows no certificate; it resumed a ticket that only
    // the gateway verified as expectedGatewayId can hold (see above).
    const presented =
      offered !== undefined && inner.isSessionReused()
        ? [expectedGatewayId]
        : presentedGatewayIds(inner);
    if (presented.length !== 1 || presented[0] !== expectedGatewayId) {
      inner.destroy();
      throw new GatewayIdentityError(expectedGatewayId, presented);
    }
    const identityCheckedAt = performance.now();
    tickets.verified();
    if (!inner.alpnProtocol || !alpn.includes(inner.alpnProtocol as AlpnName)) {
      inner.destroy();
      throw new DialError('gateway-tls', `gateway did not accept ALPN ${alpn.join(',')}`);
    }
    options.onStageDone?.('gateway-tls', innerHandshakeDoneAt);
    options.onStageDone?.('gateway-identity', identityCheckedAt);
    inner.once('close', () => outer.destroy());
    return inner;
  } catch (error) {
    outer.destroy();
    throw error;
  }
}

/**
 * The gateway IDs the peer's certificate names; none when it names none or cannot be read.
 * (`@burrow/pki` caches parsed certificates, so a caller dialing often parses each one once.)
 */
function presentedGatewayIds(socket: tls.TLSSocket): string[] {
  const certificate = socket.getPeerX509Certificate();
  if (!certificate) return [];
  try {
    return readGatewayIdentities(certificate.raw);
  } catch {
    return [];
  }
}

/** The CN of the relay client certificate: the gateway the relay routes this dial to. */
function gatewayIdOfRelayCertificate(pem: string): string | undefined {
  try {
    const [leaf] = parseCertificateChainPem(pem); // the leaf comes first
    const commonNames = leaf?.subjectName.getField('CN') ?? [];
    return commonNames.length === 1 && commonNames[0] !== '' ? commonNames[0] : undefined;
  } catch {
    return undefined;
  }
}

/** Holds a stream's session tickets until its gateway passed the identity check. */
class VerifiedTickets {
  private pending: Buffer | undefined;
  private isVerified = false;
  private readonly keep: (ticket: Buffer) => void;
  constructor(keep: (ticket: Buffer) => void) {
    this.keep = keep;
  }

  receive(ticket: Buffer): void {
    if (this.isVerified) this.keep(ticket);
    else this.pending = ticket;
  }

  verified(): void {
    this.isVerified = true;
    if (this.pending) this.keep(this.pending);
    this.pending = undefined;
  }
}

/** A stage's timeout, cut to what is left until the dial's deadline (at least 1 ms). */
function withinDeadline(timeoutMs: number, deadlineAt: number): number {
  return Math.max(1, Math.min(timeoutMs, deadlineAt - Date.now()));
}

/**
 * Runs one handshake stage within `timeoutMs`; for the first hop (`connectTimeoutMs` given) the
 * TCP connect must also be up within `connectTimeoutMs` (reported done as `relay-connect`).
 */
function handshake(
  stage: DialStage,
  timeoutMs: number,
  connectTimeoutMs: number | undefined,
  onStageDone: DialGatewayOptions['onStageDone'],
  connect: () => tls.TLSSocket,
): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect();
    // For the first hop, an error before the TCP connection exists is a connect failure.
    let tcpConnected = connectTimeoutMs === undefined;
    const fail = (message: string, cause?: unknown): void => {
      clearTimeout(timer);
      clearTimeout(connectTimer);
      socket.destroy();
      reject(new DialError(tcpConnected ? stage : 'relay-connect', message, cause));
    };
    const timer = setTimeout(() => fail(`handshake timed out after ${timeoutMs} ms`), timeoutMs);
    const connectTimer =
      connectTimeoutMs === undefined
        ? undefined
        : setTimeout(
            () => fail(`no TCP connection within ${connectTimeoutMs} ms`),
            connectTimeoutMs,
          );
    socket.once('connect', () => {
      tcpConnected = true;
      clearTimeout(connectTimer);
      if (connectTimeoutMs !== undefined) onStageDone?.('relay-connect', performance.now());
    });
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      clearTimeout(connectTimer);
      socket.removeAllListeners('error');
      socket.removeAllListeners('close');
      onStageDone?.(stage, performance.now());
      resolve(socket);
    });
    socket.once('error', (error: Error) => fail(error.message, error));
    socket.once('close', () => fail('connection closed during the handshake'));
  });
}
