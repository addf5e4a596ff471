import { describe, expect, it } from '@jest/globals';
import { ManualClock } from '@burrow/test-support';
import {
  RELAY_FAILURE_MEMORY_MS,
  RelayFailoverError,
  RelayFailureMemory,
  tryRelays,
  type TryRelaysOptions,
} from '../src/index.ts';

/** Routes are relay names; a relay in `down` refuses the connection. */
function setUp(down: Set<string> = new Set()) {
  const clock = new ManualClock();
  const memory = new RelayFailureMemory({ now: () => clock.now() });
  const tried: string[] = [];
  const deadlines: number[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const options = (
    routes: string[],
    extra: Partial<TryRelaysOptions<string, string>> = {},
  ): TryRelaysOptions<string, string> => ({
    routes,
    keyOf: (route) => route,
    memory,
    deadlineMs: 15_000,
    clock,
    attempt: async (route, deadlineAt) => {
      tried.push(route);
      deadlines.push(deadlineAt);
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      // Each try takes 5 s of (fake) time: the deadline must not move with it.
      await clock.advance(5_000);
      inFlight--;
      if (down.has(route)) throw new Error(`${route} refused the connection`);
      return `socket via ${route}`;
    },
    ...extra,
  });
  return { clock, memory, tried, deadlines, options, mostInFlight: () => mostInFlight };
}

describe('tryRelays', () => {
  it('uses the first route when it works, and says nothing was skipped', async () => {
    const { options, tried } = setUp();
    const result = await tryRelays(options(['a', 'b']));
    expect(result).toEqual({ value: 'socket via a', route: 'a', skipped: [] });
    expect(tried).toEqual(['a']);
  });

  it('moves on to the next relay after a relay failure, and tries the failed one last for 30 s', async () => {
    const { options, tried, memory, clock } = setUp(new Set(['a']));
    const first = await tryRelays(options(['a', 'b', 'c']));
    expect(first.value).toBe('socket via b');
    expect(first.skipped.map(({ route }) => route)).toEqual(['a']);
    expect((first.skipped[0]?.error as Error).message).toBe('a refused the connection');
    expect(memory.failedRecently('a')).toBe(true);

    tried.length = 0;
    await tryRelays(options(['a', 'b', 'c']));
    expect(tried).toEqual(['b']); // straight to a working relay

    await clock.advance(RELAY_FAILURE_MEMORY_MS);
    tried.length = 0;
    await tryRelays(options(['a', 'b', 'c'])).catch(() => undefined);
    expect(tried[0]).toBe('a'); // back in its place once the memory has passed
  });

  it('a relay that works again is forgotten at once', async () => {
    const down = new Set(['a']);
    const { options, memory } = setUp(down);
    await tryRelays(options(['a', 'b']));
    expect(memory.failedRecently('a')).toBe(true);
    down.delete('a');
    await tryRelays(options(['a']));
    expect(memory.failedRecently('a')).toBe(false);
  });

  it('stops at once on a failure that is not the relay’s, without blaming the relay', async () => {
    const { options, tried, memory } = setUp(new Set(['a', 'b']));
    const error = await tryRelays(
      options(['a', 'b'], { isRelayFailure: (e) => !(e as Error).message.startsWith('a ') }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayFailoverError);
    expect((error as RelayFailoverError<string>).attempts.map(({ route }) => route)).toEqual(['a']);
    expect(tried).toEqual(['a']);
    expect(memory.failedRecently('a')).toBe(false);
  });

  it('when every relay fails: every route tried in order, each with its error, labelled', async () => {
    const { options, tried } = setUp(new Set(['a', 'b']));
    const error = (await tryRelays(
      options(['a', 'b'], { label: (route) => `relay ${route}` }),
    ).catch((e: unknown) => e)) as RelayFailoverError<string>;
    expect(error).toBeInstanceOf(RelayFailoverError);
    expect(error.message).toBe(
      'no relay reached the gateway (relay a: a refused the connection; relay b: b refused the connection)',
    );
    expect(error.attempts.map(({ route }) => route)).toEqual(['a', 'b']);
    expect((error.cause as Error).message).toBe('b refused the connection');
    expect(tried).toEqual(['a', 'b']);
  });

  it('one deadline for the whole loop: a fallback relay gets what is left', async () => {
    const { options, deadlines, clock } = setUp(new Set(['a']));
    const startedAt = clock.now();
    await tryRelays(options(['a', 'b']));
    expect(deadlines).toEqual([startedAt + 15_000, startedAt + 15_000]);
  });

  it('tries one route at a time', async () => {
    const { options, mostInFlight } = setUp(new Set(['a', 'b']));
    await tryRelays(options(['a', 'b', 'c']));
    expect(mostInFlight()).toBe(1);
  });

  it('refuses an empty route list', async () => {
    const { options } = setUp();
    await expect(tryRelays(options([]))).rejects.toThrow('at least one route');
  });
});
