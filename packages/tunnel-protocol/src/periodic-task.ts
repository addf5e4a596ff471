import { systemClock, type Clock, type ClockTimer } from './clock.ts';

/**
 * Runs an async task again and again, one run at a time; the delay before the next run depends
 * on whether the last one succeeded. Every loop of the hops ticks on this: the relay's and the
 * gateway's heartbeats ("every 10 s until the control plane accepts one, then every 30 min /
 * 3 min", reference §3.5 and §5.7), their certificate renewals ("every 6 h, retry soon after a
 * failure") and the gateway's recording uploads (session-recorder's RecordingUploader, every
 * 10 s).
 *
 * Why here: these are the schedules the protocol between the hops prescribes, and they sit beside
 * {@link ReconnectBackoff}, the other schedule both ends share; `@burrow/observability` is about
 * being observed (logs, health, metrics), not about acting.
 *
 * Rules: a run never overlaps another; `runSoon()` moves the next run to now unless one is under
 * way; `stop()` cancels the next run and aborts the signal of the one under way, whose outcome is
 * then ignored (no `onError`, nothing scheduled). The clock is injectable (see {@link Clock}).
 *
 * @example
 *   const task = startPeriodicTask({
 *     run: (signal) => sendHeartbeat(signal),
 *     firstDelayMs: 0,
 *     delayAfter: (ok) => (ok ? 180_000 : 10_000),
 *     onError: (error) => logger.warn({ err: String(error) }, 'heartbeat failed'),
 *   });
 *   task.runSoon(); // after a reconnect
 *   task.stop();
 */
export interface PeriodicTaskOptions {
  /** One run; `signal` aborts when the task is stopped. */
  run: (signal: AbortSignal) => Promise<void>;
  /** Delay before the first run. */
  firstDelayMs: number;
  /** Delay after a run; `ok` tells whether it resolved. */
  delayAfter: (ok: boolean) => number;
  /** Called with the error of a failed run (the task keeps going). */
  onError: (error: unknown) => void;
  /** Default: {@link systemClock}. */
  clock?: Clock;
}

export interface PeriodicTask {
  /** Runs now, unless a run is under way (then the schedule after it stands). */
  runSoon(): void;
  stop(): void;
}

export function startPeriodicTask(options: PeriodicTaskOptions): PeriodicTask {
  const clock = options.clock ?? systemClock;
  let stopped = false;
  let timer: ClockTimer | undefined;
  let inFlight: AbortController | undefined;

  const schedule = (delayMs: number): void => {
    clock.clearTimeout(timer);
    timer = clock.setTimeout(() => void tick(), delayMs);
  };
  const tick = async (): Promise<void> => {
    timer = undefined;
    if (stopped || inFlight) return;
    const controller = new AbortController();
    inFlight = controller;
    let ok = true;
    try {
      await options.run(controller.signal);
    } catch (error) {
      ok = false;
      if (!stopped) options.onError(error);
    } finally {
      inFlight = undefined;
    }
    if (!stopped) schedule(options.delayAfter(ok));
  };

  schedule(options.firstDelayMs);
  return {
    runSoon() {
      if (stopped || inFlight) return;
      schedule(0);
    },
    stop() {
      stopped = true;
      clock.clearTimeout(timer);
      timer = undefined;
      inFlight?.abort();
    },
  };
}
