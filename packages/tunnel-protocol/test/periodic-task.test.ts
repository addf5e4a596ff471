import { describe, expect, it } from '@jest/globals';
import { ManualClock } from '@burrow/test-support';
import { startPeriodicTask } from '../src/index.ts';

/** A task whose runs are recorded at clock time; `outcomes` says how each run ends. */
function recordingTask(clock: ManualClock, outcomes: ('ok' | 'fail' | 'hang')[]) {
  const runs: number[] = [];
  const errors: unknown[] = [];
  const signals: AbortSignal[] = [];
  const task = startPeriodicTask({
    clock,
    firstDelayMs: 0,
    delayAfter: (ok) => (ok ? 180_000 : 10_000),
    onError: (error) => errors.push(error),
    run: (signal) => {
      runs.push(clock.now() - start);
      signals.push(signal);
      const outcome = outcomes.shift() ?? 'ok';
      if (outcome === 'fail') return Promise.reject(new Error(`run ${runs.length} failed`));
      if (outcome === 'hang') return new Promise<void>(() => undefined);
      return Promise.resolve();
    },
  });
  const start = clock.now();
  return { task, runs, errors, signals };
}

describe('startPeriodicTask', () => {
  it('retries at the short delay until a run succeeds, then waits the long one', async () => {
    const clock = new ManualClock();
    const { task, runs, errors } = recordingTask(clock, ['fail', 'fail', 'ok', 'fail', 'ok']);
    await clock.advance(0);
    expect(runs).toEqual([0]);
    await clock.advance(9_999);
    expect(runs).toEqual([0]);
    await clock.advance(1);
    expect(runs).toEqual([0, 10_000]);
    await clock.advance(10_000);
    expect(runs).toEqual([0, 10_000, 20_000]); // succeeded
    await clock.advance(179_999);
    expect(runs).toHaveLength(3);
    await clock.advance(1);
    expect(runs).toEqual([0, 10_000, 20_000, 200_000]); // failed again: back to 10 s
    await clock.advance(10_000);
    expect(runs).toEqual([0, 10_000, 20_000, 200_000, 210_000]);
    expect(errors.map(String)).toEqual([
      'Error: run 1 failed',
      'Error: run 2 failed',
      'Error: run 4 failed',
    ]);
    expect(clock.pendingDelays()).toEqual([180_000]);
    task.stop();
    expect(clock.pendingDelays()).toEqual([]);
  });

  it('never overlaps runs; runSoon() runs now unless one is under way', async () => {
    const clock = new ManualClock();
    const { task, runs, signals } = recordingTask(clock, ['ok', 'hang']);
    await clock.advance(0);
    task.runSoon();
    await clock.advance(0);
    expect(runs).toEqual([0, 0]); // the second run hangs
    task.runSoon();
    await clock.advance(3_600_000);
    expect(runs).toHaveLength(2);
    expect(clock.pendingDelays()).toEqual([]);
    task.stop();
    expect(signals[1]?.aborted).toBe(true);
    expect(signals[0]?.aborted).toBe(false);
  });

  it('after stop(), nothing runs, and a run under way neither reports nor reschedules', async () => {
    const clock = new ManualClock();
    let finish: (error?: Error) => void = () => undefined;
    const errors: unknown[] = [];
    let runs = 0;
    const task = startPeriodicTask({
      clock,
      firstDelayMs: 5_000,
      delayAfter: () => 1_000,
      onError: (error) => errors.push(error),
      run: () => {
        runs++;
        return new Promise<void>((resolve, reject) => {
          finish = (error) => (error ? reject(error) : resolve());
        });
      },
    });
    await clock.advance(4_999);
    expect(runs).toBe(0);
    await clock.advance(1);
    expect(runs).toBe(1);
    task.stop();
    finish(new Error('aborted'));
    await clock.advance(60_000);
    expect(runs).toBe(1);
    expect(errors).toEqual([]);
    expect(clock.pendingDelays()).toEqual([]);
    task.runSoon();
    expect(clock.pendingDelays()).toEqual([]);
  });
});
