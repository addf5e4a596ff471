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
import type { PatchedIncomingClient } from './ssh2-patch.ts';

/**
 * Relay side: opens a direct-tcpip channel with an empty payload on an authenticated server
 * connection. Rejects if the gateway refuses it or the connection closes first.
 *
 * @example
 *   const channel = await openDirectTcpipChannel(conn);
 *   callerSocket.pipe(channel).pipe(callerSocket);
 */
export function openDirectTcpipChannel(conn: Connection): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    (conn as PatchedIncomingClient).directTcpipNoPayload((err, channel) => {
      if (err) reject(err);
      else resolve(channel);
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
  const listener = (_info: object, accept: () => Duplex, _reject: () => void): void => {
    onChannel(accept());
  };
  // The event the patch adds; ssh2's typings do not list it.
  const emitter: EventEmitter = client;
  emitter.on('direct-tcpip', listener);
  return () => {
    emitter.removeListener('direct-tcpip', listener);
  };
}
