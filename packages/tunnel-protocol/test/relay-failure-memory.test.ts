import { describe, expect, it } from '@jest/globals';
import { RELAY_FAILURE_MEMORY_MS, RelayFailureMemory } from '../src/index.ts';

describe('RelayFailureMemory', () => {
  it('keeps the given order while nothing failed', () => {
    expect(new RelayFailureMemory().order(['a', 'b', 'c'])).toEqual(['a', 'b', 'c']);
  });

  it('tries a relay that just failed last, for 30 s, then in its place again', () => {
    let now = 1_000_000;
    const memory = new RelayFailureMemory({ now: () => now });
    memory.markFailed('a');
    expect(memory.order(['a', 'b', 'c'])).toEqual(['b', 'c', 'a']);
    now += RELAY_FAILURE_MEMORY_MS - 1;
    expect(memory.order(['a', 'b', 'c'])).toEqual(['b', 'c', 'a']);
    now += 1;
    expect(memory.order(['a', 'b', 'c'])).toEqual(['a', 'b', 'c']);
    expect(memory.failedRecently('a')).toBe(false);
  });

  it('among failed relays, the one that failed longest ago goes first', () => {
    let now = 0;
    const memory = new RelayFailureMemory({ now: () => now });
    memory.markFailed('b');
    now += 10;
    memory.markFailed('a');
    expect(memory.order(['a', 'b', 'c'])).toEqual(['c', 'b', 'a']);
  });

  it('forgets a relay that worked', () => {
    const memory = new RelayFailureMemory();
    memory.markFailed('a');
    memory.markWorked('a');
    expect(memory.order(['a', 'b'])).toEqual(['a', 'b']);
  });
});
