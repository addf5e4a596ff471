/**
 * Exponential backoff for upload retries: attempt n (from 1) waits min(cap, base · 2^(n-1)),
 * then a random part of up to `jitter` of that is taken off, so gateways that lost the control
 * plane at the same moment do not all retry in the same second.
 *
 * @example
 *   retryDelayMs(3, { baseMs: 1000, capMs: 60_000, jitter: 0 }) // 4000
 */
export function retryDelayMs(
  attempt: number,
  options: { baseMs: number; capMs: number; jitter?: number; random?: () => number },
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** exponent);
  const jitter = options.jitter ?? 0.5;
  const random = options.random ?? Math.random;
  return Math.round(ceiling * (1 - jitter * random()));
}
