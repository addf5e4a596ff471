/**
 * Time as the schedules of the hops see it: the current time and one-shot timers. Production uses
 * {@link systemClock}; tests hand a schedule a manual clock (`ManualClock` in @burrow/test-support)
 * and move time forward themselves, so "every 3 min" is tested without waiting 3 min — or 30 ms
 * that a loaded machine turns into 300.
 *
 * @example
 *   const timer = clock.setTimeout(() => beat(), 10_000);
 *   clock.clearTimeout(timer);
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `callback` once, `delayMs` from now; the timer never keeps the process alive. */
  setTimeout(callback: () => void, delayMs: number): ClockTimer;
  clearTimeout(timer: ClockTimer | undefined): void;
}

/** A timer of some clock (opaque); only that clock can clear it. */
export type ClockTimer = object;

/**
 * The longest delay Node's setTimeout takes (2^31 - 1 ms, ~24.8 days; longer ones would fire at
 * once): {@link systemClock} waits at most this long.
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** Real time: `Date.now()` and Node's timers, unref'd. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, delayMs) {
    const timer = setTimeout(callback, Math.min(Math.max(delayMs, 0), MAX_TIMER_DELAY_MS));
    timer.unref();
    return timer;
  },
  clearTimeout(timer) {
    clearTimeout(timer as NodeJS.Timeout | undefined);
  },
};
