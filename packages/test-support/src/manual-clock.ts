/**
 * A clock that moves only when the test says so, for schedules that take a clock (tunnel-protocol's
 * `Clock`: `now`, `setTimeout`, `clearTimeout`). Timers fire in due order as time is advanced;
 * between two timers, pending promise callbacks and I/O callbacks run, so an async task started
 * by one timer has settled (if it only awaits promises) before the next fires.
 *
 * @example
 *   const clock = new ManualClock();
 *   const task = startPeriodicTask({ clock, firstDelayMs: 0, ... });
 *   await clock.advance(0);        // the first run
 *   await clock.advance(10_000);   // the retry after a failure
 */
export class ManualClock {
  #now: number;
  #timers: { due: number; order: number; callback: () => void }[] = [];
  #order = 0;

  constructor(startMs = 1_700_000_000_000) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, delayMs: number): object {
    const timer = { due: this.#now + Math.max(0, delayMs), order: this.#order++, callback };
    this.#timers.push(timer);
    return timer;
  }

  clearTimeout(timer: object | undefined): void {
    this.#timers = this.#timers.filter((pending) => pending !== timer);
  }

  /** Delays from now of the timers still pending, soonest first. */
  pendingDelays(): number[] {
    return this.#timers.map((timer) => timer.due - this.#now).sort((a, b) => a - b);
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (;;) {
      const next = this.#timers
        .filter((timer) => timer.due <= target)
        .sort((a, b) => a.due - b.due || a.order - b.order)[0];
      if (next === undefined) break;
      this.#timers.splice(this.#timers.indexOf(next), 1);
      this.#now = next.due;
      next.callback();
      await settle();
    }
    this.#now = target;
  }
}

/** Lets queued promise callbacks and already-due I/O callbacks run. */
async function settle(): Promise<void> {
  for (let round = 0; round < 5; round++) await new Promise((resolve) => setImmediate(resolve));
}
