import type tls from 'node:tls';
import {
  CALLER_RELAY_STAGE_TIMEOUT_MS,
  INNER_TLS_HANDSHAKE_TIMEOUT_MS,
  RelayFailoverError,
  RelayFailureMemory,
  tryRelays,
  type AlpnName,
  type DialGatewayOptions,
  type TlsCredentials,
  type TlsSessionStore,
} from '@burrow/tunnel-protocol';
import { formatRelayAddress, type RelayAddress } from './relay-address.ts';
import type { RelayRoute } from './relay-routes.ts';
import { isRelayUnavailable } from './relay-unavailable.ts';

/**
 * Opens tunnels to one gateway through whichever of its relays works (issue 8: a caller that
 * cannot reach one relay uses another).
 *
 * Each dial is {@link tryRelays}: the routes in order, recently failed relays last
 * ({@link RelayFailureMemory}), one deadline for all of them, moving on to the next only when the
 * failure is the relay's ({@link isRelayUnavailable}).
 * A failure of the gateway itself stops at once: every relay leads to the same gateway. When no
 * route works, it rejects with a {@link RelayDialError} listing every hop tried.
 *
 * TLS resumption: each relay gets its own ticket (a ticket is only valid where it was issued);
 * the gateway's ticket is shared, since every route ends at the same gateway.
 *
 * @example
 *   const dialer = new RelayDialer({ routes: relayRoutesOf(access), gateway, dial: dialGateway });
 *   const { socket, relay, skipped } = await dialer.dial(ALPN.pamProxy);
 */
export interface RelayDialerOptions {
  routes: RelayRoute[];
  /** The gateway client certificate and the gateway server chain (the same on every route). */
  gateway: TlsCredentials;
  dial: (options: DialGatewayOptions) => Promise<tls.TLSSocket>;
  memory?: RelayFailureMemory;
}

/** One relay tried and why it did not work. */
export interface RelayAttempt {
  relay: RelayAddress;
  error: unknown;
}

/** An open tunnel, the relay it goes through, and the relays that failed before it. */
export interface RelayTunnel {
  socket: tls.TLSSocket;
  relay: RelayAddress;
  skipped: RelayAttempt[];
}

/** No route worked; `attempts` is every relay tried, in order, with its error. */
export class RelayDialError extends Error {
  readonly attempts: RelayAttempt[];
  constructor(attempts: RelayAttempt[]) {
    const last = attempts.at(-1)?.error;
    super(
      attempts
        .map(
          ({ relay, error }) =>
            `${formatRelayAddress(relay)}: ${(error as Error)?.message ?? String(error)}`,
        )
        .join('; '),
      { cause: last },
    );
    this.name = 'RelayDialError';
    this.attempts = attempts;
  }
}

export class RelayDialer {
  readonly routes: readonly RelayRoute[];
  private readonly options: RelayDialerOptions;
  private readonly memory: RelayFailureMemory;
  private readonly gatewaySessions: TlsSessionStore = {};
  private readonly sessions = new Map<string, TlsSessionStore>();

  constructor(options: RelayDialerOptions) {
    if (options.routes.length === 0) throw new Error('RelayDialer needs at least one relay');
    this.options = options;
    this.routes = options.routes;
    this.memory = options.memory ?? new RelayFailureMemory();
  }

  /** The routes in the order the next dial tries them. */
  order(): RelayRoute[] {
    return this.memory.order(this.routes, (route) => formatRelayAddress(route.address));
  }

  /** Dials through the first relay that works; `extra` adds dial options (timeouts). */
  async dial(
    alpn: AlpnName | AlpnName[],
    extra: Partial<
      Pick<DialGatewayOptions, 'relayHandshakeTimeoutMs' | 'innerHandshakeTimeoutMs'>
    > = {},
  ): Promise<RelayTunnel> {
    const keyOf = (route: RelayRoute): string => formatRelayAddress(route.address);
    const attemptOf = ({ route, error }: { route: RelayRoute; error: unknown }): RelayAttempt => ({
      relay: route.address,
      error,
    });
    try {
      const { value, route, skipped } = await tryRelays({
        routes: this.routes,
        keyOf,
        memory: this.memory,
        deadlineMs:
          (extra.relayHandshakeTimeoutMs ?? CALLER_RELAY_STAGE_TIMEOUT_MS) +
          (extra.innerHandshakeTimeoutMs ?? INNER_TLS_HANDSHAKE_TIMEOUT_MS),
        isRelayFailure: isRelayUnavailable,
        attempt: (route, deadlineAt) =>
          this.options.dial({
            relayHost: route.address.host,
            relayPort: route.address.port,
            relay: route.credentials,
            gateway: this.options.gateway,
            alpn,
            sessions: this.sessionsFor(keyOf(route)),
            deadlineAt,
            ...extra,
          }),
      });
      return { socket: value, relay: route.address, skipped: skipped.map(attemptOf) };
    } catch (error) {
      if (error instanceof RelayFailoverError) {
        throw new RelayDialError((error as RelayFailoverError<RelayRoute>).attempts.map(attemptOf));
      }
      throw error;
    }
  }

  /** A store with this relay's own ticket and the gateway's shared one. */
  private sessionsFor(key: string): TlsSessionStore {
    let store = this.sessions.get(key);
    if (!store) {
      const shared = this.gatewaySessions;
      store = {};
      Object.defineProperty(store, 'gateway', {
        enumerable: true,
        get: () => shared.gateway,
        set: (ticket: Buffer) => (shared.gateway = ticket),
      });
      this.sessions.set(key, store);
    }
    return store;
  }
}
