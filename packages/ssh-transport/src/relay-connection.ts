/**
 * The gateway's SSH connection to its relay (reference §5.3), dialled out from the private
 * network and kept open.
 *
 *   transport   ssh-algorithms.ts (curve25519 + AES-GCM preferred); TCP_NODELAY
 *   host key    an OpenSSH host certificate only (certificate host key algorithms), signed by
 *               exactly `serverCaPublicKey`, type host, valid now, principal `hostPrincipal`
 *               (default `<host>:<port>`, the reference's rule); the exchange hash must be signed
 *               by the key inside it (host-certificate-kex.ts). Checked before any credential
 *               is sent.
 *   user auth   one "publickey" attempt as `username` (the gateway ID) with the user
 *               certificate (user-certificate-key.ts); refused -> AUTH_REFUSED, no retry loop
 *   deadline    TCP connect + handshake + login within `dialTimeoutMs` (GATEWAY_SSH_DIAL_TIMEOUT_MS)
 *   keepalive   `keepalive@openssh.com` every `keepaliveIntervalMs`; after `keepaliveCountMax`
 *               intervals in which NOTHING arrived from the relay the socket is destroyed and
 *               `'close'` carries the reason (12 s with the defaults; the reference gateway takes
 *               up to 45 s). Any byte from the relay counts as an answer, as in OpenSSH's
 *               ServerAliveInterval: a relay forwarding a lot of channel data queues our ping's
 *               reply behind it, and a busy gateway reads it late — counting only replies made
 *               a loaded gateway drop its one live relay (issue 13, the failover test).
 *   channels    relay-opened direct-tcpip (empty payload) -> `'channel'` (stream: Duplex); the
 *               gateway opens none
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { CertificateError, parseSshCertificate, type SshCertificate } from '@burrow/pki';
import {
  GATEWAY_SSH_DIAL_TIMEOUT_MS,
  GATEWAY_SSH_KEEPALIVE_COUNT_MAX,
  GATEWAY_SSH_KEEPALIVE_INTERVAL_MS,
} from '@burrow/tunnel-protocol';
import ssh2 from 'ssh2';
import type { Client, ParsedKey } from 'ssh2';
import { parseCaPublicKeyLine } from './ca-public-key-line.ts';
import { acceptDirectTcpipChannels } from './direct-tcpip-channel.ts';
import {
  createHostCertificateVerifier,
  HOST_CERTIFICATE_ALGORITHMS,
  type HostCertificateVerifier,
} from './host-certificate-kex.ts';
import { RelayConnectError } from './relay-connect-error.ts';
import { sshAlgorithms } from './ssh-algorithms.ts';
import { loadSshPrivateKey } from './ssh-private-key.ts';
import { assertSsh2Patched, clientKeepaliveHooks } from './ssh2-patch.ts';
import { createUserCertificateKey, singleAttemptAuthHandler } from './user-certificate-key.ts';

/** After `close()` sends DISCONNECT and FIN, a relay that is gone is given this long, then destroyed. */
const CLOSE_GRACE_MS = 1_000;
/**
 * Arriving bytes reset the keepalive count at most once per this fraction of the interval (ssh2's
 * reset restarts a timer; once per socket read would be wasted work), so a reset is never more
 * than a quarter interval behind the last byte.
 */
const KEEPALIVE_RESETS_PER_INTERVAL = 4;

export interface RelayConnectOptions {
  /** The relay's SSH address. */
  host: string;
  port: number;
  /** The gateway ID: the SSH user name and principal #0 of the certificate. */
  username: string;
  /** OpenSSH (or PEM) private key ("ssh.clientPrivateKey"). */
  privateKey: string;
  /** OpenSSH user certificate line for that key ("ssh.clientCertificate"). */
  certificate: string;
  /** The relay host CA's public key, `<type> <base64> [comment]` ("ssh.serverCAPublicKey"). */
  serverCaPublicKey: string;
  /** Principal the relay's host certificate must carry. Default `${host}:${port}`. */
  hostPrincipal?: string;
  /** Local address to dial from (default: the kernel's choice). */
  localAddress?: string;
  /** Default GATEWAY_SSH_DIAL_TIMEOUT_MS. */
  dialTimeoutMs?: number;
  /** Default GATEWAY_SSH_KEEPALIVE_INTERVAL_MS. */
  keepaliveIntervalMs?: number;
  /** Default GATEWAY_SSH_KEEPALIVE_COUNT_MAX. */
  keepaliveCountMax?: number;
  /**
   * What follows "SSH-2.0-" in our identification line: software version, then comments (the
   * gateway lists its capabilities there). Default ssh2's own.
   */
  ident?: string;
}

/** Events: `'channel'` (stream: Duplex), `'close'` (reason?: Error), once. */
export interface RelaySshConnection extends EventEmitter {
  /** The relay's verified host certificate. */
  readonly hostCertificate: SshCertificate;
  /** The algorithms negotiated in the (first) key exchange. */
  readonly negotiated: Readonly<Record<string, unknown>>;
  /** True once the connection has closed. */
  readonly closed: boolean;
  close(): void;
}

/**
 * Connects, verifies the relay, logs in. Rejects with a `RelayConnectError`; throws (synchronously
 * rejected) a plain Error naming the option for unusable credentials.
 *
 * @example
 *   const relay = await connectToRelay({ host, port: 2222, username: gatewayId, privateKey,
 *     certificate, serverCaPublicKey });
 *   relay.on('channel', (stream) => innerTlsServer.emit('connection', stream));
 *   relay.on('close', (reason) => scheduleReconnect(reason));
 */
export async function connectToRelay(options: RelayConnectOptions): Promise<RelaySshConnection> {
  assertSsh2Patched();
  const key = loadSshPrivateKey(options.privateKey, 'privateKey');
  const certificate = parseUserCertificate(options.certificate, key);
  const verifier = createHostCertificateVerifier({
    trustedCaKeyBlob: parseCaPublicKeyLine(options.serverCaPublicKey, 'serverCaPublicKey'),
    principal: options.hostPrincipal ?? `${options.host}:${options.port}`,
  });
  const dialTimeoutMs = options.dialTimeoutMs ?? GATEWAY_SSH_DIAL_TIMEOUT_MS;
  const keepaliveIntervalMs = options.keepaliveIntervalMs ?? GATEWAY_SSH_KEEPALIVE_INTERVAL_MS;

  const client = new ssh2.Client();
  const connection = new RelaySshConnectionImpl(client);
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const fail = (error: RelayConnectError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.destroy();
      reject(error);
    };
    const timer = setTimeout(
      () =>
        fail(new RelayConnectError('TIMEOUT', `no login to the relay within ${dialTimeoutMs} ms`)),
      dialTimeoutMs,
    );
    client.on('error', (error: Error & { level?: string }) => {
      if (!settled) fail(classifyConnectError(error, verifier));
    });
    client.once('close', () => {
      fail(new RelayConnectError('NETWORK', 'connection to the relay closed before login'));
    });
    client.once('ready', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve();
    });
    client.connect({
      host: options.host,
      port: options.port,
      ...(options.localAddress !== undefined ? { localAddress: options.localAddress } : {}),
      username: options.username,
      authHandler: singleAttemptAuthHandler(
        options.username,
        createUserCertificateKey(key, certificate),
      ),
      hostVerifier: verifier.hostVerifier,
      algorithms: sshAlgorithms(HOST_CERTIFICATE_ALGORITHMS),
      readyTimeout: dialTimeoutMs,
      keepaliveInterval: keepaliveIntervalMs,
      keepaliveCountMax: options.keepaliveCountMax ?? GATEWAY_SSH_KEEPALIVE_COUNT_MAX,
      ...(options.ident !== undefined ? { ident: options.ident } : {}),
    });
    client.setNoDelay(true);
  });
  connection.ready(verifier.certificate() as SshCertificate);
  if (keepaliveIntervalMs > 0) {
    const resetEveryMs = keepaliveIntervalMs / KEEPALIVE_RESETS_PER_INTERVAL;
    let lastResetAt = Date.now();
    const hooks = clientKeepaliveHooks(client, () => {
      const now = Date.now();
      if (now - lastResetAt < resetEveryMs) return;
      lastResetAt = now;
      hooks.resetKeepalive();
    });
  }
  return connection;
}

class RelaySshConnectionImpl extends EventEmitter implements RelaySshConnection {
  readonly #client: Client;
  #hostCertificate: SshCertificate | undefined;
  #negotiated: Readonly<Record<string, unknown>> = {};
  #lastError: Error | undefined;
  #closed = false;

  constructor(client: Client) {
    super();
    this.#client = client;
    client.once('handshake', (negotiated) => {
      this.#negotiated = negotiated as unknown as Record<string, unknown>;
    });
    acceptDirectTcpipChannels(client, (channel: Duplex) => {
      if (this.listenerCount('channel') === 0) channel.destroy();
      else this.emit('channel', channel);
    });
  }

  /** Called once login succeeded: from now on errors and close are the connection's. */
  ready(hostCertificate: SshCertificate): void {
    this.#hostCertificate = hostCertificate;
    this.#client.on('error', (error: Error) => {
      this.#lastError = error;
    });
    this.#client.once('close', () => {
      this.#closed = true;
      this.emit('close', this.#lastError);
    });
  }

  get hostCertificate(): SshCertificate {
    return this.#hostCertificate as SshCertificate;
  }

  get negotiated(): Readonly<Record<string, unknown>> {
    return this.#negotiated;
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#client.end();
    setTimeout(() => this.#client.destroy(), CLOSE_GRACE_MS).unref();
  }
}

function classifyConnectError(
  error: Error & { level?: string },
  verifier: HostCertificateVerifier,
): RelayConnectError {
  const refusal = verifier.refusal();
  if (refusal !== undefined) {
    return new RelayConnectError(
      'HOST_CERTIFICATE_REFUSED',
      `relay host certificate refused: ${refusal.message}`,
      { cause: refusal, certificateCode: refusal.code },
    );
  }
  switch (error.level) {
    case 'client-authentication':
      return new RelayConnectError(
        'AUTH_REFUSED',
        'relay refused the gateway certificate (publickey authentication failed)',
        { cause: error },
      );
    case 'client-timeout':
      return new RelayConnectError(
        'TIMEOUT',
        `relay did not complete the login: ${error.message}`,
        {
          cause: error,
        },
      );
    case 'handshake':
    case 'protocol':
      return new RelayConnectError('HANDSHAKE_FAILED', `SSH handshake failed: ${error.message}`, {
        cause: error,
      });
    default:
      return new RelayConnectError('NETWORK', `cannot reach the relay: ${error.message}`, {
        cause: error,
      });
  }
}

function parseUserCertificate(line: string, key: ParsedKey): SshCertificate {
  let cert: SshCertificate;
  try {
    cert = parseSshCertificate(line);
  } catch (error) {
    const detail = error instanceof CertificateError ? error.message : String(error);
    throw new Error(`certificate: ${detail}`, { cause: error });
  }
  if (cert.type !== 'user') throw new Error('certificate: is a host certificate, not a user one');
  if (!cert.publicKeyBlob.equals(key.getPublicSSH())) {
    throw new Error('certificate: certifies a different key than privateKey');
  }
  return cert;
}
