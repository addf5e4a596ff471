import ms from 'ms';
import { InvalidRequestError } from './errors.ts';

/**
 * Durations as the reference's dynamic-secret API writes them ("30s", "15m", "1h", "7d"); a
 * bare number is seconds. Answers are written back the same way ("1h").
 *
 * @example
 *   parseDurationSeconds('1h', 'ttl'); // 3600
 *   formatDurationSeconds(5400);       // "90m"
 */
export function parseDurationSeconds(text: string, field: string): number {
  const trimmed = text.trim();
  const millis = /^[0-9]+$/.test(trimmed) ? Number(trimmed) * 1000 : ms(trimmed as ms.StringValue);
  if (typeof millis !== 'number' || !Number.isFinite(millis) || millis < 1000) {
    throw new InvalidRequestError(
      `${field}: "${text}" is not a duration of at least 1s (e.g. 30s, 15m, 1h, 7d)`,
    );
  }
  return Math.floor(millis / 1000);
}

export function formatDurationSeconds(seconds: number): string {
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
  ] as const) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
