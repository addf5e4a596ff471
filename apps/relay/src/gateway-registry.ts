/**
 * The gateways connected to this relay: gateway ID → its authenticated SSH session.
 *
 * When a gateway connects while the relay still holds a connection of the same gateway, the relay
 * asks the older one to answer (a keepalive, RELAY_GATEWAY_REPLACEMENT_PROBE_MS):
 *   no answer  the older is half-dead (its gateway is gone or reconnected, and no FIN or RST
 *              reached the relay): the newer REPLACES it at once instead of waiting out keepalives
 *              — the reference keeps the first connection and refuses later ones, which leaves
 *              such a gateway unreachable until its old TCP connection times out;
 *   an answer  the older is alive: the newer is closed, as the reference closes it. Two live
 *              processes with one identity (a second copy started by mistake, an overlapping
 *              rollout) would otherwise take the tunnel from each other on every reconnect, for
 *              as long as both run; this way the first keeps it and the second retries quietly.
 * One decision per gateway at a time: a connection arriving while one is being decided is closed.
 * The gateway ID comes from a certificate the control plane signed for this relay, so only the
 * gateway itself can replace its session.
 */
import type { Duplex } from 'node:stream';
import type { Logger } from '@burrow/observability';
import { RELAY_GATEWAY_REPLACEMENT_PROBE_MS } from '@burrow/tunnel-protocol';

/** What the relay needs from a gateway's SSH session (GatewaySshSession of @burrow/ssh-transport). */
export interface GatewaySession {
  readonly gatewayId: string;
  readonly gatewayName?: string | undefined;
  readonly remoteAddress: string;
  readonly remotePort?: number | undefined;
  /** The gateway's SSH software version ("Go" for the reference's gateway). */
  readonly identSoftware: string;
  /** Its identification comments, where a Burrow gateway lists capabilities. */
  readonly identComments: string | undefined;
  readonly closed: boolean;
  /** Opens a `direct-tcpip` channel towards the gateway, with this receive window. */
  openChannel(options?: { receiveWindow?: number }): Promise<Duplex>;
  /** Pings the gateway: true as soon as it answers, false after `timeoutMs` or on close. */
  answersWithin(timeoutMs: number): Promise<boolean>;
  close(): void;
  once(event: 'close', listener: () => void): unknown;
}

/** What became of a session handed to `add`. */
export type GatewayAdmission = 'connected' | 'replaced' | 'refused';

export class GatewayRegistry {
  private readonly sessions = new Map<string, GatewaySession>();
  /** Newer sessions waiting while the older one of their gateway is asked to answer. */
  private readonly deciding = new Map<string, GatewaySession>();
  private readonly logger: Logger;

  constructor(logger: Logger) {
    this.logger = logger;
  }

  /**
   * Adds a freshly authenticated session: it is connected, replaces an older session of the same
   * gateway that does not answer, or is closed because the older one answered (see the top).
   */
  async add(session: GatewaySession): Promise<GatewayAdmission> {
    const key = normalize(session.gatewayId);
    const fields = {
      gatewayId: key,
      gatewayName: session.gatewayName,
      remoteAddress: session.remoteAddress,
      remotePort: session.remotePort,
      software: session.identSoftware,
    };
    if (this.deciding.has(key)) {
      this.logger.warn(fields, 'Gateway connection refused: another one of it is being checked');
      session.close();
      return 'refused';
    }
    const previous = this.sessions.get(key);
    if (previous === undefined || previous.closed) {
      this.register(key, session, fields);
      this.logger.info(fields, 'Gateway connected');
      return 'connected';
    }
    const older = {
      previousRemoteAddress: previous.remoteAddress,
      previousRemotePort: previous.remotePort,
    };
    this.deciding.set(key, session);
    let olderAnswered: boolean;
    try {
      olderAnswered = await previous.answersWithin(RELAY_GATEWAY_REPLACEMENT_PROBE_MS);
    } finally {
      this.deciding.delete(key);
    }
    if (session.closed) return 'refused'; // gone while we asked (or closeAll)
    if (olderAnswered && this.sessions.get(key) === previous) {
      this.logger.warn(
        { ...fields, ...older },
        'Gateway connected again while its connection here still answers: closing the newer one (is a second copy of this gateway running?)',
      );
      session.close();
      return 'refused';
    }
    this.register(key, session, fields);
    this.logger.info(
      { ...fields, ...older, probeMs: RELAY_GATEWAY_REPLACEMENT_PROBE_MS },
      'Gateway reconnected; its previous connection did not answer: closing it',
    );
    previous.close();
    return 'replaced';
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

  /** Closes every session, those waiting for a decision too (shutdown). */
  closeAll(): void {
    const sessions = [...this.sessions.values(), ...this.deciding.values()];
    this.sessions.clear();
    for (const session of sessions) session.close();
  }

  private register(key: string, session: GatewaySession, fields: object): void {
    this.sessions.set(key, session);
    session.once('close', () => {
      if (this.sessions.get(key) !== session) return; // already replaced
      this.sessions.delete(key);
      this.logger.info(fields, 'Gateway disconnected');
    });
  }
}

/** Gateway IDs are UUIDs; the caller route is lower-cased, so the registry is too. */
function normalize(gatewayId: string): string {
  return gatewayId.toLowerCase();
}
