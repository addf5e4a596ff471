/**
 * The relay's drain notice to a gateway (Burrow extension; reference relays never send it).
 *
 *   gateway --identification line "SSH-2.0-BurrowGateway drain-notice@burrow"--> relay
 *   (at connect time, RFC 4253 §4.2: the words after the software version are comments)
 *   ...
 *   relay --CHANNEL_OPEN "direct-tcpip" (empty payload, like every caller stream)--> gateway
 *   relay --data: DRAIN_NOTICE ("burrow-drain@burrow\n", 20 bytes), then EOF/close--> gateway
 *
 * Sent once to every connected gateway when the relay starts draining (SIGTERM): it accepts no
 * new callers or gateways, lets open streams finish until its deadline, then closes the SSH
 * connection. A Burrow gateway recognises the notice by the channel's first bytes — a caller
 * stream always starts with a TLS record (0x16), the notice with "b" — stops counting that relay
 * as serving (readiness, callers already go elsewhere because :8443 is closed), keeps its open
 * streams, and reconnects with backoff once the relay is gone.
 *
 * Only a gateway that advertised DRAIN_NOTICE_CAPABILITY in its identification comments gets the
 * notice. Any other gateway (the reference's identifies as "SSH-2.0-Go") would take the channel
 * for a caller, try a TLS handshake on it and log "first record does not look like a TLS
 * handshake"; it learns of the drain the way it always does, when the relay closes the connection.
 *
 * Why a channel rather than an SSH global request: ssh2's client answers unknown global requests
 * itself without telling the application; a channel needs no change to the SSH library.
 */
export const DRAIN_NOTICE = 'burrow-drain@burrow\n';

/** The word in a gateway's SSH identification comments that asks for the drain notice. */
export const DRAIN_NOTICE_CAPABILITY = 'drain-notice@burrow';

/**
 * What a Burrow gateway sends after "SSH-2.0-": its software name (no spaces or dashes, as
 * RFC 4253 asks), then its capabilities as comments.
 */
export const GATEWAY_SSH_IDENT = `BurrowGateway ${DRAIN_NOTICE_CAPABILITY}`;

/** True when a peer's identification comments (may be undefined) advertise the drain notice. */
export function advertisesDrainNotice(identComments: string | undefined): boolean {
  return (identComments ?? '').split(/\s+/).includes(DRAIN_NOTICE_CAPABILITY);
}

/** True when the first bytes of a relay channel are (a prefix of) the drain notice. */
export function isDrainNotice(firstBytes: Buffer): boolean {
  if (firstBytes.length === 0 || firstBytes.length > DRAIN_NOTICE.length) return false;
  return Buffer.from(DRAIN_NOTICE).subarray(0, firstBytes.length).equals(firstBytes);
}
