/**
 * Relay auto-selection, for a gateway started without a relay name (reference §5.8):
 *
 *   candidates  GET /api/v1/relays (the identity's org relays and the instance relays)
 *   healthy     last heartbeat within RELAY_SELECTION_HEALTHY_WINDOW_MS (1 h)
 *   measured    a TCP connect to host:tlsPort, RELAY_SELECTION_PROBE_TIMEOUT_MS (5 s) each, all
 *               candidates of a tier at once
 *   winner      the fastest reachable org relay; else the fastest reachable instance relay; else
 *               a random healthy relay (reachable or not: the dial will tell); else none
 *
 * The gateway selects at start and again before each re-dial after a lost connection or a failed
 * dial (the reference's failover); a named relay is never replaced. Unlike the reference, the
 * winner is not cached in a file: the first selection after a restart measures again.
 *
 * @example
 *   const relay = await selectRelay(await platform.call(routes.listRelays), { now: Date.now() });
 */
import net from 'node:net';
import type { RouteResponse, routes } from '@burrow/platform-api';
import {
  RELAY_SELECTION_HEALTHY_WINDOW_MS,
  RELAY_SELECTION_PROBE_TIMEOUT_MS,
} from '@burrow/tunnel-protocol';

/** The fields of a `GET /api/v1/relays` row that selection reads (`orgId` null: an instance relay). */
export type RelayCandidate = Pick<
  RouteResponse<typeof routes.listRelays>[number],
  'name' | 'host' | 'tlsPort' | 'orgId' | 'heartbeat'
>;

export interface RelaySelectionOptions {
  /** Epoch ms. */
  now: number;
  /** Milliseconds a TCP connect to host:port took, or undefined when it failed. */
  measure?: (host: string, port: number) => Promise<number | undefined>;
  /** In [0, 1); Math.random by default. */
  random?: () => number;
}

/** The name of the relay to use, or undefined when no relay is healthy. */
export async function selectRelay(
  relays: readonly RelayCandidate[],
  options: RelaySelectionOptions,
): Promise<string | undefined> {
  const measure = options.measure ?? measureTcpConnect;
  const healthy = relays.filter(
    (relay) =>
      relay.heartbeat !== null &&
      options.now - Date.parse(relay.heartbeat) < RELAY_SELECTION_HEALTHY_WINDOW_MS,
  );
  for (const tier of [
    healthy.filter((relay) => relay.orgId !== null),
    healthy.filter((relay) => relay.orgId === null),
  ]) {
    const latencies = await Promise.all(tier.map((relay) => measure(relay.host, relay.tlsPort)));
    let best: { name: string; ms: number } | undefined;
    tier.forEach((relay, index) => {
      const ms = latencies[index];
      if (ms !== undefined && (best === undefined || ms < best.ms)) best = { name: relay.name, ms };
    });
    if (best !== undefined) return best.name;
  }
  if (healthy.length === 0) return undefined;
  const random = options.random ?? Math.random;
  return healthy[Math.floor(random() * healthy.length)]?.name;
}

/** Time to a completed TCP handshake with host:port, or undefined within the probe timeout. */
export function measureTcpConnect(
  host: string,
  port: number,
  timeoutMs = RELAY_SELECTION_PROBE_TIMEOUT_MS,
): Promise<number | undefined> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = net.connect({ host, port });
    const done = (ms: number | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ms);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.once('connect', () => done(performance.now() - started));
    socket.once('error', () => done(undefined));
  });
}
