/**
 * The seam between this package and ssh2 1.17.0 as patched by `patches/ssh2@1.17.0.patch`
 * (every change is described in this package's README). Everything that reaches past ssh2's
 * public, typed API goes through this file, so a reader (or an ssh2 upgrade) finds it in one place:
 *
 *   constants.js  CERT_KEY_ALGOS            certificate algorithm -> blob type, plain key type,
 *                                           signature algorithm, hash (added by the patch)
 *   server.js     IncomingClient#directTcpipNoPayload([limits,] cb)   (added by the patch)
 *   client.js     'direct-tcpip' event (info, accept([limits]), reject) for server-opened
 *                 channels (patch); `limits` = per-channel window and maximum packet size
 *   server.js     IncomingClient#_sock      the accepted socket (stock, private)
 *   server.js     IncomingClient#_protocol.ping()   sends keepalive@openssh.com, as ssh2's own
 *                                           server keepalive does (stock, private); the server
 *                                           ignores the reply, any byte back is the answer
 *   client.js     Client#_sock, Client#_resetKA   the dialled socket and the keepalive counter's
 *                                           reset (stock, private): any byte from the relay
 *                                           counts as an answer (relay-connection.ts)
 *   Channel.js    BURROW_MAX_CHANNEL_PACKET  255 KiB: the largest packet size a channel may
 *                                           advertise (patch; the parser accepts 256 KiB)
 *   Channel.js    readable highWaterMark    ssh2 refills a channel's window whenever push()
 *                                           returns true, i.e. until 2 MiB (its fixed
 *                                           highWaterMark) wait unread; `holdAtMostTheWindow`
 *                                           sets it to 0 (Node stream state, not ssh2's)
 *
 * `assertSsh2Patched()` fails fast, with the patch's name, when the installed ssh2 lacks the patch
 * (e.g. after an ssh2 upgrade that dropped `patchedDependencies`).
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Client, Connection } from 'ssh2';

const require = createRequire(import.meta.url);

/** One row of the patch's `CERT_KEY_ALGOS` table. */
export interface CertKeyAlgorithmInfo {
  /** The type name inside the certificate blob (`ssh-rsa-cert-v01@openssh.com` for both RSA rows). */
  readonly blobType: string;
  /** The plain key type inside the certificate, e.g. `ssh-ed25519`. */
  readonly keyType: string;
  /** The signature algorithm the key inside signs with, e.g. `rsa-sha2-512`. */
  readonly sigType: string;
  /** The hash used by that signature algorithm (undefined for ed25519). */
  readonly hashAlgo: string | undefined;
}

interface Ssh2Constants {
  readonly CERT_KEY_ALGOS?: Readonly<Record<string, CertKeyAlgorithmInfo>>;
  readonly SUPPORTED_SERVER_HOST_KEY: readonly string[];
}

interface Ssh2Crypto {
  readonly bindingAvailable: boolean;
}

/**
 * Per-channel window and maximum packet size a patched ssh2 advertises for a direct-tcpip channel
 * (ssh2's defaults: 2 MiB, 32 KiB; packetSize at most 255 KiB, `BURROW_MAX_CHANNEL_PACKET`).
 */
export interface ChannelLimits {
  readonly window?: number;
  readonly packetSize?: number;
}

/** An ssh2 server-side connection with the members this package uses beyond the typings. */
export interface PatchedIncomingClient extends Connection {
  directTcpipNoPayload(
    limits: ChannelLimits,
    cb: (err: Error | undefined, channel: Duplex) => void,
  ): this;
  readonly _sock: Socket;
  readonly _protocol: { ping(): void };
}

const constants = require('ssh2/lib/protocol/constants.js') as Ssh2Constants;

/** Throws unless the installed ssh2 carries `patches/ssh2@1.17.0.patch`. */
export function assertSsh2Patched(): void {
  const serverProto = (require('ssh2/lib/server.js') as { IncomingClient: { prototype: object } })
    .IncomingClient.prototype;
  // BURROW_MAX_CHANNEL_PACKET: the large-packet part of the patch (a copy patched before it would
  // take directTcpipNoPayload's limits for the callback).
  const channelModule = require('ssh2/lib/Channel.js') as { BURROW_MAX_CHANNEL_PACKET?: number };
  if (
    constants.CERT_KEY_ALGOS === undefined ||
    !('directTcpipNoPayload' in serverProto) ||
    channelModule.BURROW_MAX_CHANNEL_PACKET === undefined
  ) {
    throw new Error(
      'ssh2 is not patched: @burrow/ssh-transport needs patches/ssh2@1.17.0.patch ' +
        '(pnpm-workspace.yaml patchedDependencies) — run pnpm install',
    );
  }
}

/** The certificate algorithm table of the patched ssh2 (`constants.js` `CERT_KEY_ALGOS`). */
export function certKeyAlgorithms(): Readonly<Record<string, CertKeyAlgorithmInfo>> {
  assertSsh2Patched();
  return constants.CERT_KEY_ALGOS as Readonly<Record<string, CertKeyAlgorithmInfo>>;
}

/** True when ssh2's native crypto binding (AES-GCM, chacha20-poly1305) was built and loads. */
export function ssh2NativeCryptoAvailable(): boolean {
  return (require('ssh2/lib/protocol/crypto.js') as Ssh2Crypto).bindingAvailable;
}

/** The socket under an ssh2 server-side connection (to destroy it: ssh2 only offers `end()`). */
export function incomingSocket(conn: Connection): Socket {
  return (conn as PatchedIncomingClient)._sock;
}

/** Sends `keepalive@openssh.com` (want reply) to the client of a server-side connection. */
export function pingIncomingClient(conn: Connection): void {
  (conn as PatchedIncomingClient)._protocol.ping();
}

/** An ssh2 client with the members this package uses beyond the typings (stock, private). */
interface ClientInternals {
  readonly _sock: Socket | undefined;
  readonly _resetKA: (() => void) | undefined;
}

/**
 * Calls `onBytes` whenever bytes arrive on an ssh2 client's socket, and returns ssh2's own
 * keepalive reset (zeroes the unanswered count and restarts its interval). Call once the client
 * is ready (both exist from then on).
 */
export function clientKeepaliveHooks(
  client: Client,
  onBytes: () => void,
): { resetKeepalive: () => void } {
  const internals = client as unknown as ClientInternals;
  const socket = internals._sock;
  const reset = internals._resetKA;
  if (socket === undefined || typeof reset !== 'function') {
    throw new Error('ssh2 client internals changed: no _sock/_resetKA (see ssh2-patch.ts)');
  }
  socket.on('data', onBytes);
  return { resetKeepalive: reset };
}

/**
 * Makes a channel hold at most its receive window of unread data. ssh2 grants the peer more
 * window whenever `push()` returns true, and a Readable returns true until its highWaterMark is
 * reached: ssh2 gives every channel 2 MiB, whatever window it advertised, so a channel whose
 * reader stopped kept granting windows until 2 MiB sat unread, and then took one more window
 * (issue 13: ~1.5 MiB per never-read stream beyond the relay's window budget). With 0, a reader
 * that keeps up still gets the window refilled as usual (push() returns true while nothing is
 * buffered); a reader that stops gets no refill until it reads again.
 */
export function holdAtMostTheWindow(channel: Duplex): void {
  (
    channel as unknown as { _readableState: { highWaterMark: number } }
  )._readableState.highWaterMark = 0;
}
