import { describe, expect, it } from '@jest/globals';
import { StreamWindowBudget } from '../src/stream-window-budget.ts';

const MIB = 1024 * 1024;

describe('StreamWindowBudget', () => {
  const limits = {
    perCaller: 10 * MIB,
    perGateway: 16 * MIB,
    minWindow: 64 * 1024,
    maxWindow: 4 * MIB,
  };

  it('gives full windows until a caller has spent its budget, then the minimum', () => {
    const budget = new StreamWindowBudget(limits);
    const windows = Array.from({ length: 5 }, () => budget.reserve('gw', 'caller').window);
    expect(windows).toEqual([4 * MIB, 4 * MIB, 2 * MIB, 64 * 1024, 64 * 1024]);
    expect(budget.reservedByCaller('caller')).toBe(10 * MIB + 128 * 1024);
  });

  it('bounds a gateway across callers, and gives windows back when streams end', () => {
    const budget = new StreamWindowBudget(limits);
    const grants = ['a', 'b', 'c', 'd', 'e'].map((caller) => budget.reserve('gw', caller));
    expect(grants.map((grant) => grant.window)).toEqual([
      4 * MIB,
      4 * MIB,
      4 * MIB,
      4 * MIB,
      64 * 1024,
    ]);
    expect(budget.reserve('other-gw', 'e').window).toBe(4 * MIB);
    for (const grant of grants) {
      grant.release();
      grant.release(); // idempotent
    }
    expect(budget.reservedByGateway('gw')).toBe(0);
    expect(budget.reserve('gw', 'a').window).toBe(4 * MIB);
  });
});
