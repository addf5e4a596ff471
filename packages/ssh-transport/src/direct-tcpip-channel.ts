/**
 * Relay -> gateway channels (reference §0 fact 3, §5.3): the relay (SSH server) opens one
 * `direct-tcpip` channel per caller towards the gateway (SSH client), over the gateway's own
 * outbound connection, and pipes the caller's bytes through it.
 *
 *   CHANNEL_OPEN  byte    90
 *                 string  "direct-tcpip"
 *                 uint32  sender channel
 *                 uint32  initial window size
 *                 uint32  maximum packet size
 *                 (nothing else: the type-specific payload is EMPTY)
 *
 * This is not RFC 4254 §7.2 (a client-opened direct-tcpip carries host and port): the reference
 * relay sends exactly this (`conn.OpenChannel("direct-tcpip", nil)`) and its gateway ignores the
 * payload; the target is named inside the end-to-end TLS, in the caller's certificate. Stock ssh2
 * can do neither side (its parser treats the empty payload as a fatal "Malformed CHANNEL_OPEN",
 * its client rejects server-opened direct-tcpip, its server cannot open one); the patch adds
 * `directTcpipNoPayload` to the server connection and a `'direct-tcpip'` event to the client.
 *
 * Streams: close with `end()` (EOF, then CLOSE once both sides are done), `destroy()` only on
 * error — destroying on the peer's close truncates data still in flight.
 */
import type { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { Client, Connection } from 'ssh2';
import {
  holdAtMostTheWindow,
  type ChannelLimits,
  type PatchedIncomingClient,
} from './ssh2-patch.ts';

/**
 * What both ends of a Burrow channel advertise (CHANNEL_OPEN from the relay, CHANNEL_OPEN_CONFIRMATION
 * from the gateway) instead of ssh2's 32 KiB packets and 2 MiB window. The maximum packet size is
 * per channel and each side sends at most what the OTHER advertised, so a peer that is not Burrow
 * (OpenSSH, the Go reference) still gets its own 32 KiB packets from us; what it may send us is
 * bounded by the patched ssh2's parser limit (256 KiB packet_length, like OpenSSH and Go accept),
 * which a 255 KiB data packet stays below. Larger packets: 8x fewer packets, paddings, encryptions
 * and write syscalls per byte (bench/README.md, lever table).
 */
export const CHANNEL_MAX_PACKET_SIZE = 255 * 1024;
/**
 * Receive window per channel: up to this many bytes may be in flight towards each end before it
 * grants more (a window adjust once half is used, and only while nothing waits unread:
 * `holdAtMostTheWindow`). It bounds a channel's buffering when its reader is slow (at most the
 * window), not what an idle channel holds.
 */
export const CHANNEL_WINDOW = 4 * 1024 * 1024;

const BURROW_CHANNEL_LIMITS: ChannelLimits = {
  window: CHANNEL_WINDOW,
  packetSize: CHANNEL_MAX_PACKET_SIZE,
};

/**
 * Relay side: opens a direct-tcpip channel with an empty payload on an authenticated server
 * connection, advertising `receiveWindow` (the relay's per-stream buffer budget, at most
 * CHANNEL_WINDOW). Rejects if the gateway refuses it or the connection closes first.
 *
 * @example
 *   const channel = await openDirectTcpipChannel(conn);
 *   callerSocket.pipe(channel).pipe(callerSocket);
 */
export function openDirectTcpipChannel(
  conn: Connection,
  receiveWindow: number = CHANNEL_WINDOW,
): Promise<Duplex> {
  const limits = { ...BURROW_CHANNEL_LIMITS, window: receiveWindow };
  return new Promise((resolve, reject) => {
    (conn as PatchedIncomingClient).directTcpipNoPayload(limits, (err, channel) => {
      if (err) return reject(err);
      holdAtMostTheWindow(channel);
      resolve(channel);
    });
  });
}

/**
 * Gateway side: accepts every server-opened direct-tcpip channel on `client` and hands it to
 * `onChannel`. Returns a function that stops accepting (later opens are then rejected).
 *
 * @example
 *   acceptDirectTcpipChannels(client, (channel) => channel.pipe(channel)); // echo
 */
export function acceptDirectTcpipChannels(
  client: Client,
  onChannel: (channel: Duplex) => void,
): () => void {
  const listener = (
    _info: object,
    accept: (limits: ChannelLimits) => Duplex,
    _reject: () => void,
  ): void => {
    const channel = accept(BURROW_CHANNEL_LIMITS);
    holdAtMostTheWindow(channel);
    onChannel(channel);
  };
  // The event the patch adds; ssh2's typings do not list it.
  const emitter: EventEmitter = client;
  emitter.on('direct-tcpip', listener);
  return () => {
    emitter.removeListener('direct-tcpip', listener);
  };
}
