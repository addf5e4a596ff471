import {
  startPeriodicTask,
  systemClock,
  type Clock,
  type PeriodicTask,
} from '@burrow/tunnel-protocol';

/**
 * Wakes up when the next scheduled piece of work falls due — a lease's expiry or a pending
 * revocation's retry (DynamicSecretLeases), a PAM account's rotation — and runs it. The schedule
 * is the database (`nextDueAt()` reads it), so a control plane that restarts picks up where the
 * last one stopped; this only decides when to look.
 *
 * It looks at least every SWEEP_MAX_INTERVAL_MS (a row written by another process, a clock
 * jump), and at most every SWEEP_MIN_INTERVAL_MS (a job that stays due because it keeps failing
 * right away must not spin). `wake()` looks now, e.g. after a lease with a short TTL was made.
 *
 * @example
 *   const sweeper = startScheduleSweeper({ jobs: [leases, rotations], onError: (e) => log.warn(…) });
 *   sweeper.wake();
 *   sweeper.stop();
 */
export const SWEEP_MAX_INTERVAL_MS = 5_000;
export const SWEEP_MIN_INTERVAL_MS = 200;

export interface ScheduledJob {
  /** Runs everything due at `now`. */
  runDue(now: number): Promise<void>;
  /** When the next piece of work falls due (epoch ms), undefined when nothing is scheduled. */
  nextDueAt(): number | undefined;
}

export interface ScheduleSweeper {
  wake(): void;
  stop(): void;
}

export function startScheduleSweeper(options: {
  jobs: ScheduledJob[];
  onError: (error: unknown) => void;
  clock?: Clock;
  maxIntervalMs?: number;
}): ScheduleSweeper {
  const clock = options.clock ?? systemClock;
  const maxInterval = options.maxIntervalMs ?? SWEEP_MAX_INTERVAL_MS;
  const task: PeriodicTask = startPeriodicTask({
    clock,
    firstDelayMs: 0,
    run: async () => {
      for (const job of options.jobs) {
        try {
          await job.runDue(clock.now());
        } catch (error) {
          options.onError(error);
        }
      }
    },
    delayAfter: () => {
      const now = clock.now();
      let next = now + maxInterval;
      for (const job of options.jobs) {
        const due = job.nextDueAt();
        if (due !== undefined && due < next) next = due;
      }
      return Math.max(SWEEP_MIN_INTERVAL_MS, Math.min(maxInterval, next - now));
    },
    onError: options.onError,
  });
  return { wake: () => task.runSoon(), stop: () => task.stop() };
}
