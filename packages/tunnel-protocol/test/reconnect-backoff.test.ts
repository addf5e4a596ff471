import { describe, expect, it } from '@jest/globals';
import { ReconnectBackoff } from '../src/index.ts';

describe('ReconnectBackoff', () => {
  it('doubles the ceiling per attempt up to the cap (random = 1 shows the ceiling)', () => {
    const backoff = new ReconnectBackoff({ baseMs: 100, capMs: 1000, random: () => 0.999999 });
    const delays = Array.from({ length: 6 }, () => backoff.next());
    expect(delays).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it('uses full jitter: the delay can be anywhere from 0 to the ceiling', () => {
    const backoff = new ReconnectBackoff({ baseMs: 100, capMs: 1000, random: () => 0 });
    expect(backoff.next()).toBe(0);
    const spread = new ReconnectBackoff({ baseMs: 1000, capMs: 30_000 });
    for (let i = 0; i < 10; i++) spread.next();
    const samples = Array.from({ length: 1000 }, () => {
      const b = new ReconnectBackoff({ baseMs: 1000, capMs: 30_000 });
      for (let i = 0; i < 10; i++) b.next();
      return b.next();
    });
    // 1,000 gateways after a relay restart do not come back in the same second.
    const perSecond = new Map<number, number>();
    for (const s of samples)
      perSecond.set(Math.floor(s / 1000), (perSecond.get(Math.floor(s / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThan(150);
    expect(Math.max(...samples)).toBeLessThan(30_000);
  });

  it('starts over after reset', () => {
    const backoff = new ReconnectBackoff({ baseMs: 100, capMs: 1000, random: () => 0.999999 });
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(99);
  });
});
