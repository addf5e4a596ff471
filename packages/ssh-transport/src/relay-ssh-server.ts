/**
 * The relay's SSH listener for gateways (reference §3.3, port 2222).
 *
 *   transport   ssh-algorithms.ts (curve25519 + AES-GCM preferred; the reference gateway's pinned
 *               DH groups 14/16/18, AES-CTR and HMAC-SHA2 also offered); TCP_NODELAY
 *   host key    the relay's OpenSSH host certificate, offered only as certificate algorithms
 *               (host-certificate-kex.ts)
 *   user auth   "publickey" with a user certificate only (user-certificate-auth.ts); at most
 *               RELAY_MAX_AUTH_ATTEMPTS refusals, then disconnect; every refusal is emitted as
 *               `'auth-failure'`
 *   deadline    handshake + login within `handshakeTimeoutMs` (RELAY_SSH_HANDSHAKE_TIMEOUT_MS)
 *   keepalive   `keepalive@openssh.com` every `keepaliveIntervalMs`; after `keepaliveCountMax`
 *               unanswered the socket is destroyed (a dead gateway goes within 15 s)
 *   channels    relay -> gateway direct-tcpip with an empty payload (`GatewaySshSession`);
 *               every channel the gateway opens, and every global request, is refused
 *   ident       the gateway's identification line (software, comments) is kept on the session:
 *               a Burrow gateway advertises capabilities in its comments
 *
 * Credentials rotate (`updateCredentials`): each set gets its own ssh2 `Server`; the TCP listener
 * hands each new socket to the current one, so connections keep the set they started with, as in
 * the reference relay.
 */
import { EventEmitter } from 'node:events';
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { parseSshCertificate, type SshCertificate } from '@burrow/pki';
import {
  RELAY_SSH_HANDSHAKE_TIMEOUT_MS,
  RELAY_SSH_KEEPALIVE_COUNT_MAX,
  RELAY_SSH_KEEPALIVE_INTERVAL_MS,
} from '@burrow/tunnel-protocol';
import ssh2 from 'ssh2';
import type { AuthContext, ClientInfo, Connection, ParsedKey, Server as Ssh2Server } from 'ssh2';
import { parseCaPublicKeyLine } from './ca-public-key-line.ts';
import { GatewaySshSessionImpl } from './gateway-ssh-session.ts';
import { hostCertificateKeys } from './host-certificate-kex.ts';
import type { RelayAuthFailure, RelayAuthFailureCode } from './relay-auth-failure.ts';
import { sshAlgorithms } from './ssh-algorithms.ts';
import { loadSshPrivateKey } from './ssh-private-key.ts';
import { assertSsh2Patched, incomingSocket } from './ssh2-patch.ts';
import {
  UserCertificateRefusal,
  verifyGatewayLogin,
  type GatewayIdentity,
  type UserCertificatePolicy,
} from './user-certificate-auth.ts';

/**
 * Refused login attempts per connection before the relay disconnects (the reference relay's
 * `MaxAuthTries: 3`). A gateway makes one; more means a misconfigured or hostile peer.
 */
export const RELAY_MAX_AUTH_ATTEMPTS = 3;

export interface RelaySshServerOptions {
  /** OpenSSH (or PEM) private key of the relay's host key ("ssh.serverPrivateKey"). */
  hostPrivateKey: string;
  /** OpenSSH host certificate line for that key ("ssh.serverCertificate"). */
  hostCertificate: string;
  /** The gateway user CA's public key, `<type> <base64> [comment]` ("ssh.clientCAPublicKey"). */
  trustedUserCaPublicKey: string;
  /** Gateway certificates must carry key ID `client-<relayName>`. */
  relayName: string;
  /** Default RELAY_SSH_HANDSHAKE_TIMEOUT_MS. */
  handshakeTimeoutMs?: number;
  /** Default RELAY_SSH_KEEPALIVE_INTERVAL_MS. */
  keepaliveIntervalMs?: number;
  /** Default RELAY_SSH_KEEPALIVE_COUNT_MAX. */
  keepaliveCountMax?: number;
  /**
   * Admission at TCP accept (the relay's per-source limits): undefined refuses the socket, which
   * is destroyed before any SSH byte; otherwise `authenticated` is called at login, and
   * `handshakeDone` once, at login or close.
   */
  admitConnection?: (
    socket: Socket,
  ) => { handshakeDone(): void; authenticated?(): void } | undefined;
}

/** Events: `'gateway'` (session: GatewaySshSession), `'auth-failure'` (RelayAuthFailure). */
export interface RelaySshServer extends EventEmitter {
  listen(port: number, host: string): Promise<{ address: string; port: number }>;
  /** Stops listening and closes every connection, authenticated or not. */
  close(): Promise<void>;
  /** Stops listening for new connections; open ones (and logins under way) are left alone. */
  stopAccepting(): Promise<void>;
  /** New credentials (renewal) for new connections; existing ones keep theirs. */
  updateCredentials(options: Partial<RelaySshServerOptions>): void;
}

/**
 * Creates the relay's SSH server. Throws, naming the option, on unusable credentials.
 *
 * @example
 *   const server = createRelaySshServer({ hostPrivateKey, hostCertificate, trustedUserCaPublicKey, relayName });
 *   server.on('gateway', (session) => tunnels.set(session.gatewayId, session));
 *   server.on('auth-failure', (f) => log.warn(f, 'gateway login refused'));
 *   await server.listen(2222, '0.0.0.0');
 */
export function createRelaySshServer(options: RelaySshServerOptions): RelaySshServer {
  return new RelaySshServerImpl(options);
}

/** One credential set and the ssh2 server built from it. */
interface CredentialSet {
  readonly ssh2Server: Ssh2Server;
  readonly handshakeTimeoutMs: number;
}

/** Per-socket state, from TCP accept to close. */
interface ConnectionState {
  readonly socket: Socket;
  readonly remoteAddress: string;
  readonly remotePort: number;
  username: string | undefined;
  failures: number;
  identity: GatewayIdentity | undefined;
  session: GatewaySshSessionImpl | undefined;
  handshakeTimer: NodeJS.Timeout | undefined;
  handshakeDone: () => void;
  authenticated: () => void;
}

class RelaySshServerImpl extends EventEmitter implements RelaySshServer {
  #options: RelaySshServerOptions;
  #credentials: CredentialSet;
  readonly #netServer: NetServer;
  readonly #connections = new Map<Socket, ConnectionState>();

  constructor(options: RelaySshServerOptions) {
    super();
    assertSsh2Patched();
    this.#options = { ...options };
    this.#credentials = this.#buildCredentials(this.#options);
    this.#netServer = createServer({ noDelay: true }, (socket) => this.#onSocket(socket));
  }

  listen(port: number, host: string): Promise<{ address: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.#netServer.once('error', onError);
      this.#netServer.listen(port, host, () => {
        this.#netServer.removeListener('error', onError);
        const address = this.#netServer.address() as AddressInfo;
        resolve({ address: address.address, port: address.port });
      });
    });
  }

  stopAccepting(): Promise<void> {
    // close() stops listening at once; its callback would wait for every open connection.
    if (this.#netServer.listening) this.#netServer.close();
    return Promise.resolve();
  }

  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      if (!this.#netServer.listening) resolve();
      else this.#netServer.close(() => resolve());
    });
    for (const state of this.#connections.values()) {
      if (state.session !== undefined) state.session.close();
      else state.socket.destroy();
    }
    return closed;
  }

  updateCredentials(options: Partial<RelaySshServerOptions>): void {
    const next = { ...this.#options, ...options };
    this.#credentials = this.#buildCredentials(next);
    this.#options = next;
  }

  #buildCredentials(options: RelaySshServerOptions): CredentialSet {
    const hostKey = loadSshPrivateKey(options.hostPrivateKey, 'hostPrivateKey');
    const hostCertificate = parseHostCertificate(options.hostCertificate, hostKey);
    const policy: UserCertificatePolicy = {
      trustedCaKeyBlob: parseCaPublicKeyLine(
        options.trustedUserCaPublicKey,
        'trustedUserCaPublicKey',
      ),
      relayName: requireNonEmpty(options.relayName, 'relayName'),
    };
    const hostKeys = hostCertificateKeys(hostKey, hostCertificate);
    const ssh2Server = new ssh2.Server({
      // ssh2 reads a non-string host key entry as `{ key }`, and takes parsed keys as they are.
      hostKeys: hostKeys.map((key) => ({ key })),
      algorithms: sshAlgorithms(hostKeys.map((key) => key.type)),
      keepaliveInterval: positive(
        options.keepaliveIntervalMs ?? RELAY_SSH_KEEPALIVE_INTERVAL_MS,
        'keepaliveIntervalMs',
      ),
      keepaliveCountMax: positive(
        options.keepaliveCountMax ?? RELAY_SSH_KEEPALIVE_COUNT_MAX,
        'keepaliveCountMax',
      ),
    });
    ssh2Server.on('connection', (conn, info: ClientInfo) =>
      this.#onSshConnection(conn, info, policy),
    );
    const handshakeTimeoutMs = positive(
      options.handshakeTimeoutMs ?? RELAY_SSH_HANDSHAKE_TIMEOUT_MS,
      'handshakeTimeoutMs',
    );
    return { ssh2Server, handshakeTimeoutMs };
  }

  #onSocket(socket: Socket): void {
    const admission = this.#options.admitConnection
      ? this.#options.admitConnection(socket)
      : { handshakeDone: () => undefined };
    if (admission === undefined) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const state: ConnectionState = {
      socket,
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      username: undefined,
      failures: 0,
      identity: undefined,
      session: undefined,
      handshakeTimer: undefined,
      handshakeDone: () => admission.handshakeDone(),
      authenticated: () => admission.authenticated?.(),
    };
    const credentials = this.#credentials;
    const timeoutMs = credentials.handshakeTimeoutMs;
    state.handshakeTimer = setTimeout(() => {
      this.#refuse(state, 'HANDSHAKE_TIMEOUT', `no login within ${timeoutMs} ms`);
      socket.destroy();
    }, timeoutMs);
    this.#connections.set(socket, state);
    socket.once('close', () => {
      clearTimeout(state.handshakeTimer);
      state.handshakeDone();
      this.#connections.delete(socket);
    });
    credentials.ssh2Server.injectSocket(socket);
  }

  #onSshConnection(conn: Connection, info: ClientInfo, policy: UserCertificatePolicy): void {
    const socket = incomingSocket(conn);
    const state = this.#connections.get(socket);
    if (state === undefined) {
      socket.destroy();
      return;
    }
    conn.on('error', (error: Error & { level?: string }) => {
      // Keepalive timeout: ssh2 only end()s, which never completes against a dead peer.
      if (error.level === 'client-timeout') socket.destroy();
    });
    conn.on('authentication', (ctx) => this.#onAuthentication(state, ctx, policy));
    conn.once('ready', () => {
      clearTimeout(state.handshakeTimer);
      state.authenticated();
      state.handshakeDone();
      const identity = state.identity as GatewayIdentity;
      const session = new GatewaySshSessionImpl(conn, {
        gatewayId: identity.gatewayId,
        gatewayName: identity.gatewayName,
        certificate: identity.certificate,
        remoteAddress: state.remoteAddress,
        remotePort: state.remotePort,
        identSoftware: info.header.versions.software,
        identComments: info.header.comments,
      });
      state.session = session;
      this.emit('gateway', session);
    });
  }

  #onAuthentication(state: ConnectionState, ctx: AuthContext, policy: UserCertificatePolicy): void {
    state.username = ctx.username;
    if (ctx.method === 'none') {
      ctx.reject(['publickey']);
      return;
    }
    if (ctx.method !== 'publickey') {
      this.#refuseAttempt(
        state,
        ctx,
        'CERTIFICATE_REQUIRED',
        `certificates required: ${ctx.method} authentication is not accepted`,
      );
      return;
    }
    try {
      const identity = verifyGatewayLogin(ctx, policy);
      if (ctx.signature !== undefined) state.identity = identity;
      ctx.accept();
    } catch (error) {
      if (!(error instanceof UserCertificateRefusal)) throw error;
      this.#refuseAttempt(state, ctx, error.code, error.message);
    }
  }

  #refuseAttempt(
    state: ConnectionState,
    ctx: AuthContext,
    code: RelayAuthFailureCode,
    reason: string,
  ): void {
    this.#refuse(state, code, reason);
    ctx.reject(['publickey']);
    state.failures += 1;
    if (state.failures >= RELAY_MAX_AUTH_ATTEMPTS) {
      this.#refuse(state, 'TOO_MANY_ATTEMPTS', `${state.failures} refused attempts: disconnecting`);
      state.socket.destroySoon();
    }
  }

  #refuse(state: ConnectionState, code: RelayAuthFailureCode, reason: string): void {
    const failure: RelayAuthFailure = {
      code,
      reason,
      username: state.username,
      remoteAddress: state.remoteAddress,
      remotePort: state.remotePort,
    };
    this.emit('auth-failure', failure);
  }
}

function parseHostCertificate(line: string, hostKey: ParsedKey): SshCertificate {
  let cert: SshCertificate;
  try {
    cert = parseSshCertificate(line);
  } catch (error) {
    throw new Error(`hostCertificate: ${(error as Error).message}`, { cause: error });
  }
  if (cert.type !== 'host')
    throw new Error('hostCertificate: is a user certificate, not a host one');
  if (!cert.publicKeyBlob.equals(hostKey.getPublicSSH())) {
    throw new Error('hostCertificate: certifies a different key than hostPrivateKey');
  }
  if (BigInt(Math.floor(Date.now() / 1000)) >= cert.validBefore) {
    throw new Error(`hostCertificate: expired (valid before ${cert.validBefore})`);
  }
  return cert;
}

function requireNonEmpty(value: string, setting: string): string {
  if (typeof value !== 'string' || value === '') throw new Error(`${setting}: must not be empty`);
  return value;
}

function positive(value: number, setting: string): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${setting}: must be a positive number`);
  return value;
}
