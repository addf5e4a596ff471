import { describe, expect, it } from '@jest/globals';
import { ManualClock } from '@burrow/test-support';
import { HandshakeSlots, HandshakeSlotTimeout } from '../src/index.ts';

/** Which of `promises` have settled, and how, after pending callbacks ran. */
async function states(promises: Promise<unknown>[]): Promise<string[]> {
  const seen = promises.map(() => 'waiting');
  promises.forEach((promise, index) =>
    promise.then(
      () => (seen[index] = 'granted'),
      (error: Error) => (seen[index] = error.name),
    ),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return seen;
}

describe('HandshakeSlots', () => {
  it('grants `limit` at once and the rest in arrival order as slots are released', async () => {
    const slots = new HandshakeSlots({ limit: 2, clock: new ManualClock() });
    const waiters = [0, 1, 2, 3].map(() => slots.acquire());
    expect(await states(waiters)).toEqual(['granted', 'granted', 'waiting', 'waiting']);
    expect([slots.active, slots.waiting]).toEqual([2, 2]);
    const first = await waiters[0]!;
    first();
    first(); // idempotent: frees one slot, not two
    expect(await states(waiters)).toEqual(['granted', 'granted', 'granted', 'waiting']);
    (await waiters[1]!)();
    expect(await states(waiters)).toEqual(['granted', 'granted', 'granted', 'granted']);
    expect([slots.active, slots.waiting]).toEqual([2, 0]);
  });

  it('drops a waiter at its deadline with HandshakeSlotTimeout; the slot goes to the next one', async () => {
    const clock = new ManualClock();
    const slots = new HandshakeSlots({ limit: 1, clock });
    const held = slots.acquire();
    const late = slots.acquire({ deadlineAt: clock.now() + 1_000 });
    const patient = slots.acquire({ deadlineAt: clock.now() + 10_000 });
    await clock.advance(1_000);
    expect(await states([held, late, patient])).toEqual([
      'granted',
      'HandshakeSlotTimeout',
      'waiting',
    ]);
    await expect(late).rejects.toThrow(/no handshake slot free within 1000 ms/);
    await expect(late).rejects.toBeInstanceOf(HandshakeSlotTimeout);
    (await held)();
    expect(await states([patient])).toEqual(['granted']);
    expect(slots.waiting).toBe(0);
  });

  it('drops a waiter whose signal aborts, without taking a slot', async () => {
    const slots = new HandshakeSlots({ limit: 1, clock: new ManualClock() });
    const held = slots.acquire();
    const gone = new AbortController();
    const queued = slots.acquire({ signal: gone.signal });
    const next = slots.acquire();
    gone.abort(new Error('connection closed'));
    await expect(queued).rejects.toThrow('connection closed');
    (await held)();
    expect(await states([next])).toEqual(['granted']);
    expect(slots.active).toBe(1);
  });

  it('passes over a key that holds maxPerKey slots, so one source cannot take them all', async () => {
    const slots = new HandshakeSlots({ limit: 3, maxPerKey: 1, clock: new ManualClock() });
    const flood = [0, 1, 2].map(() => slots.acquire({ key: 'attacker' }));
    const other = slots.acquire({ key: 'someone else' });
    // The flood holds one slot; the others stay free for other keys, even though they came later.
    expect(await states([...flood, other])).toEqual(['granted', 'waiting', 'waiting', 'granted']);
    (await flood[0]!)();
    expect(await states(flood)).toEqual(['granted', 'granted', 'waiting']);
  });
});
