/**
 * The relay's drain notice to a gateway (Burrow extension; reference relays never send it).
 *
 *   relay --CHANNEL_OPEN "direct-tcpip" (empty payload, like every caller stream)--> gateway
 *   relay --data: DRAIN_NOTICE ("burrow-drain@burrow\n", 20 bytes), then EOF/close--> gateway
 *
 * Sent once to every connected gateway when the relay starts draining (SIGTERM): it accepts no
 * new callers or gateways, lets open streams finish until its deadline, then closes the SSH
 * connection. A Burrow gateway recognises the notice by the channel's first bytes — a caller
 * stream always starts with a TLS record (0x16), the notice with "b" — stops counting that relay
 * as serving (readiness, callers already go elsewhere because :8443 is closed), keeps its open
 * streams, and reconnects with backoff once the relay is gone. A gateway that does not know the
 * notice (e.g. the reference's) fails a TLS handshake on that channel and carries on: harmless.
 *
 * Why a channel rather than an SSH global request: ssh2's client answers unknown global requests
 * itself without telling the application; a channel needs no change to the SSH library.
 */
export const DRAIN_NOTICE = 'burrow-drain@burrow\n';

/** True when the first bytes of a relay channel are (a prefix of) the drain notice. */
export function isDrainNotice(firstBytes: Buffer): boolean {
  if (firstBytes.length === 0 || firstBytes.length > DRAIN_NOTICE.length) return false;
  return Buffer.from(DRAIN_NOTICE).subarray(0, firstBytes.length).equals(firstBytes);
}
