import { systemClock, type Clock } from './clock.ts';
import type { RelayFailureMemory } from './relay-failure-memory.ts';

/**
 * The one loop every caller runs to reach a gateway that several relays hold (the control plane's
 * own dials, the access CLI):
 *
 *   order     the routes in the caller's order, relays that failed recently last
 *             ({@link RelayFailureMemory}: a relay that failed goes last for 30 s)
 *   deadline  one for the whole loop (`deadlineMs` from the start): a fallback relay gets what is
 *             left, not a fresh one; each attempt is handed `deadlineAt`
 *   attempt   one route after the other, never two at once
 *   success   the relay is forgotten as failed; the answer says which route worked and which
 *             routes failed before it
 *   failure   when `isRelayFailure(error)` (default: every error) the relay is remembered as
 *             failed and the next route is tried; otherwise the loop stops at once, the relay
 *             not blamed (e.g. the gateway itself refused: every relay leads to it)
 *   exhausted {@link RelayFailoverError} with every route tried, in order, and its error; its
 *             message `no relay reached the gateway (<label>: <error>; …)`
 *
 * @example
 *   const { value: socket } = await tryRelays({
 *     routes, keyOf: (route) => route.relayId, memory, deadlineMs: GATEWAY_DIAL_DEADLINE_MS,
 *     attempt: (route, deadlineAt) => dialGateway({ ...optionsFor(route), deadlineAt }),
 *   });
 */
export interface TryRelaysOptions<R, T> {
  /** Every route to the gateway, in the caller's order of preference. */
  routes: readonly R[];
  /** What names a route's relay in `memory` (its ID, its host:port). */
  keyOf: (route: R) => string;
  memory: RelayFailureMemory;
  /** How long the whole loop may take. */
  deadlineMs: number;
  /** One try through `route`, to finish by `deadlineAt` (ms since the epoch). */
  attempt: (route: R, deadlineAt: number) => Promise<T>;
  /** Whether `error` is the relay's, so the next relay may work. Default: every error. */
  isRelayFailure?: (error: unknown) => boolean;
  /** How the final error names a route, e.g. `relay edge-1`. Default: its key. */
  label?: (route: R) => string;
  clock?: Pick<Clock, 'now'>;
}

/** One route tried and why it did not work. */
export interface RelayAttempt<R> {
  route: R;
  error: unknown;
}

/** What worked: the attempt's value, its route, and the routes that failed before it. */
export interface RelaysTried<R, T> {
  value: T;
  route: R;
  skipped: RelayAttempt<R>[];
}

/** No route worked: `attempts` is every route tried, in order, with its error (never empty). */
export class RelayFailoverError<R> extends Error {
  readonly attempts: RelayAttempt<R>[];
  constructor(attempts: RelayAttempt<R>[], label: (route: R) => string) {
    const tried = attempts.map(({ route, error }) => `${label(route)}: ${messageOf(error)}`);
    super(`no relay reached the gateway (${tried.join('; ')})`, {
      cause: attempts.at(-1)?.error,
    });
    this.name = 'RelayFailoverError';
    this.attempts = attempts;
  }
}

export async function tryRelays<R, T>(options: TryRelaysOptions<R, T>): Promise<RelaysTried<R, T>> {
  const { memory, keyOf } = options;
  if (options.routes.length === 0) throw new Error('tryRelays needs at least one route');
  const clock = options.clock ?? systemClock;
  const isRelayFailure = options.isRelayFailure ?? (() => true);
  const deadlineAt = clock.now() + options.deadlineMs;
  const attempts: RelayAttempt<R>[] = [];
  for (const route of memory.order(options.routes, keyOf)) {
    try {
      const value = await options.attempt(route, deadlineAt);
      memory.markWorked(keyOf(route));
      return { value, route, skipped: attempts };
    } catch (error) {
      attempts.push({ route, error });
      if (!isRelayFailure(error)) break;
      memory.markFailed(keyOf(route));
    }
  }
  throw new RelayFailoverError(attempts, options.label ?? keyOf);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
