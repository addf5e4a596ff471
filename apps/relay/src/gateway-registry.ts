/**
 * The gateways connected to this relay: gateway ID → its authenticated SSH session.
 *
 * Better than the reference (which keeps the first connection and refuses later ones as "already
 * connected"): a newer authenticated connection of the same gateway REPLACES the older one. A
 * gateway only reconnects when it believes its old connection is dead, and a half-dead TCP
 * connection can linger on the relay side until keepalives expire; refusing the new one would keep
 * the gateway unreachable for that long. The gateway ID comes from a certificate the control plane
 * signed for this relay, so only the gateway itself can replace its session.
 */
import type { Duplex } from 'node:stream';
import type { Logger } from '@burrow/observability';

/** What the relay needs from a gateway's SSH session (GatewaySshSession of @burrow/ssh-transport). */
export interface GatewaySession {
  readonly gatewayId: string;
  readonly gatewayName?: string | undefined;
  readonly remoteAddress: string;
  /** The gateway's SSH software version ("Go" for the reference's gateway). */
  readonly identSoftware: string;
  /** Its identification comments, where a Burrow gateway lists capabilities. */
  readonly identComments: string | undefined;
  /** Opens a `direct-tcpip` channel towards the gateway, with this receive window. */
  openChannel(options?: { receiveWindow?: number }): Promise<Duplex>;
  close(): void;
  once(event: 'close', listener: () => void): unknown;
}

export class GatewayRegistry {
  private readonly sessions = new Map<string, GatewaySession>();
  private readonly logger: Logger;

  constructor(logger: Logger) {
    this.logger = logger;
  }

  /** Adds a freshly authenticated session; an older session of the same gateway is closed. */
  add(session: GatewaySession): void {
    const key = normalize(session.gatewayId);
    const previous = this.sessions.get(key);
    this.sessions.set(key, session);
    const fields = {
      gatewayId: key,
      gatewayName: session.gatewayName,
      remoteAddress: session.remoteAddress,
      software: session.identSoftware,
    };
    session.once('close', () => {
      if (this.sessions.get(key) !== session) return; // already replaced
      this.sessions.delete(key);
      this.logger.info(fields, 'Gateway disconnected');
    });
    if (previous !== undefined && previous !== session) {
      this.logger.info(
        { ...fields, previousRemoteAddress: previous.remoteAddress },
        'Gateway reconnected; closing its previous connection',
      );
      previous.close();
    } else {
      this.logger.info(fields, 'Gateway connected');
    }
  }

  /** The live session of a gateway, if it is connected. */
  get(gatewayId: string): GatewaySession | undefined {
    return this.sessions.get(normalize(gatewayId));
  }

  /** Every connected session. */
  all(): GatewaySession[] {
    return [...this.sessions.values()];
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Closes every session (shutdown). */
  closeAll(): void {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    for (const session of sessions) session.close();
  }
}

/** Gateway IDs are UUIDs; the caller route is lower-cased, so the registry is too. */
function normalize(gatewayId: string): string {
  return gatewayId.toLowerCase();
}
