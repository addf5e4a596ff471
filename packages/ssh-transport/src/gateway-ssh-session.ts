/**
 * One authenticated gateway connection, as the relay sees it: who it is (from its certificate)
 * and a way to open channels to it.
 *
 *   relay --CHANNEL_OPEN "direct-tcpip" (empty payload)--> gateway   `openChannel()`
 *   relay <--CHANNEL_OPEN_CONFIRMATION / _FAILURE---------- gateway
 *
 * Lifetime: from USERAUTH_SUCCESS until the TCP connection closes — by `close()`, by the gateway,
 * or because the gateway stopped answering keepalives (the relay pings it, reference relays do
 * not). `'close'` is emitted exactly once; pending and later `openChannel()` calls then reject.
 *
 *   relay --GLOBAL_REQUEST keepalive@openssh.com (want reply)--> gateway   `answersWithin(ms)`
 *   relay <--any packet (REQUEST_SUCCESS/FAILURE, or other traffic)-- gateway: alive
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { SshCertificate } from '@burrow/pki';
import type { Connection } from 'ssh2';
import { openDirectTcpipChannel } from './direct-tcpip-channel.ts';
import { incomingSocket, pingIncomingClient } from './ssh2-patch.ts';

/**
 * After `close()` sends SSH_MSG_DISCONNECT and FIN, a peer that is gone never acknowledges: the
 * socket is destroyed after this long (short: nothing useful is in flight once we disconnect).
 */
const CLOSE_GRACE_MS = 1_000;

/** Events: `'close'` (once). */
export interface GatewaySshSession extends EventEmitter {
  /** Certificate principal #0 (= the SSH user name). */
  readonly gatewayId: string;
  /** Certificate principal #1, if the certificate has one. */
  readonly gatewayName: string | undefined;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The gateway's user certificate, as verified at login. */
  readonly certificate: SshCertificate;
  /** Software version from the gateway's identification line ("Go" for the reference's). */
  readonly identSoftware: string;
  /** Comments after it (where a Burrow gateway lists capabilities), or undefined. */
  readonly identComments: string | undefined;
  /** True once the connection has closed. */
  readonly closed: boolean;
  /**
   * Opens a direct-tcpip channel (empty payload) to the gateway; `receiveWindow` (default
   * CHANNEL_WINDOW) is the most the gateway may send on it before the relay has read some.
   */
  openChannel(options?: { receiveWindow?: number }): Promise<Duplex>;
  /**
   * Pings the gateway; true as soon as any byte comes back, false when none came within
   * `timeoutMs` or the connection closed first (a half-dead connection: the gateway is gone but no
   * FIN or RST reached the relay).
   */
  answersWithin(timeoutMs: number): Promise<boolean>;
  /** Disconnects the gateway. */
  close(): void;
}

/** What the relay server knows about a connection when its login succeeds. */
export interface GatewaySshSessionInit {
  readonly gatewayId: string;
  readonly gatewayName: string | undefined;
  readonly certificate: SshCertificate;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly identSoftware: string;
  readonly identComments: string | undefined;
}

/** Made by the relay SSH server on login; not constructed by users. */
export class GatewaySshSessionImpl extends EventEmitter implements GatewaySshSession {
  readonly gatewayId: string;
  readonly gatewayName: string | undefined;
  readonly certificate: SshCertificate;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly identSoftware: string;
  readonly identComments: string | undefined;
  readonly #conn: Connection;
  #closed = false;

  constructor(conn: Connection, init: GatewaySshSessionInit) {
    super();
    this.#conn = conn;
    this.gatewayId = init.gatewayId;
    this.gatewayName = init.gatewayName;
    this.certificate = init.certificate;
    this.remoteAddress = init.remoteAddress;
    this.remotePort = init.remotePort;
    this.identSoftware = init.identSoftware;
    this.identComments = init.identComments;
    conn.once('close', () => {
      this.#closed = true;
      this.emit('close');
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  openChannel(options: { receiveWindow?: number } = {}): Promise<Duplex> {
    if (this.#closed) {
      return Promise.reject(new Error(`gateway ${this.gatewayId} is disconnected`));
    }
    return openDirectTcpipChannel(this.#conn, options.receiveWindow);
  }

  answersWithin(timeoutMs: number): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    const socket = incomingSocket(this.#conn);
    return new Promise((resolve) => {
      const finish = (answered: boolean): void => {
        clearTimeout(timer);
        socket.off('data', onData);
        this.off('close', onClose);
        resolve(answered);
      };
      const onData = (): void => finish(true);
      const onClose = (): void => finish(false);
      const timer = setTimeout(() => finish(false), timeoutMs);
      socket.on('data', onData);
      this.once('close', onClose);
      pingIncomingClient(this.#conn);
    });
  }

  close(): void {
    if (this.#closed) return;
    const socket = incomingSocket(this.#conn);
    this.#conn.end();
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  }
}
