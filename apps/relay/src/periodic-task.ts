/**
 * Runs an async task again and again, one run at a time; the delay before the next run depends
 * on whether the last run succeeded. Used by the heartbeat and the certificate renewal, whose
 * schedules are "retry soon until it works, then rarely".
 *
 * @example
 *   const task = startPeriodicTask({ run: beat, firstDelayMs: 0, delayAfter: (ok) => (ok ? 1800e3 : 10e3) });
 *   task.stop();
 */
export interface PeriodicTaskOptions {
  run: () => Promise<void>;
  /** Delay before the first run. */
  firstDelayMs: number;
  /** Delay after a run; `ok` tells whether it resolved. */
  delayAfter: (ok: boolean) => number;
  /** Called with the error of a failed run (the task keeps going). */
  onError: (error: unknown) => void;
}

export interface PeriodicTask {
  stop(): void;
}

export function startPeriodicTask(options: PeriodicTaskOptions): PeriodicTask {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (delayMs: number): void => {
    if (stopped) return;
    timer = setTimeout(() => void tick(), delayMs);
  };
  const tick = async (): Promise<void> => {
    let ok = true;
    try {
      await options.run();
    } catch (error) {
      ok = false;
      if (!stopped) options.onError(error);
    }
    schedule(options.delayAfter(ok));
  };
  schedule(options.firstDelayMs);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
