/** Bounded waits: every test wait has a deadline, so a hang is a failure with a message. */
import type { EventEmitter } from 'node:events';

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function once<T = unknown>(emitter: EventEmitter, event: string, ms: number): Promise<T> {
  return withTimeout(
    new Promise<T>((resolve) => emitter.once(event, (value: T) => resolve(value))),
    ms,
    `'${event}'`,
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
