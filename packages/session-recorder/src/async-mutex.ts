/**
 * A first-come first-served async lock: `run` calls `task` once every earlier task has settled.
 * Used per recording file, so appends of concurrent connections of one session never
 * interleave, and per session in the uploader, so a flush never races the timer.
 *
 * @example
 *   const lock = new AsyncMutex();
 *   await lock.run(() => handle.write(record));
 */
export class AsyncMutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(() => task());
    this.tail = result.catch(() => undefined);
    return result;
  }
}
