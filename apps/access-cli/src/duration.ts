import { CliError, EXIT_CODES } from './cli-error.ts';

/**
 * Parses a session duration the way the reference CLI's `--duration` does (Go's
 * `time.ParseDuration`): one or more `<number><unit>` parts, units `ms`, `s`, `m`, `h` (and `d`
 * for convenience), e.g. `1h`, `90m`, `1h30m`, `1.5h`, `45s`. Returns milliseconds.
 *
 * The platform receives it as `"<ms>ms"` (reference §8.1: the API parses with npm `ms`, so an
 * exact millisecond count avoids any disagreement about units).
 *
 * @example
 *   parseDuration('1h30m') // 5_400_000
 *   formatDurationForApi(parseDuration('1h')) // '3600000ms'
 */
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const PART = /(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h|d)/y;

export function parseDuration(text: string): number {
  const input = text.trim();
  const invalid = (): CliError =>
    new CliError(
      `invalid duration ${JSON.stringify(text)} (--duration): use e.g. 1h, 30m, 1h30m, 90s`,
      EXIT_CODES.usage,
    );
  if (input === '') throw invalid();
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < input.length) {
    const match = PART.exec(input);
    if (!match) throw invalid();
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
  }
  const ms = Math.round(total);
  if (!Number.isFinite(ms) || ms <= 0) throw invalid();
  return ms;
}

/** The body value of `POST /api/v1/pam/accounts/access`'s `duration`. */
export function formatDurationForApi(ms: number): string {
  return `${ms}ms`;
}

/**
 * A short human form of a duration: `1h 30m`, `45s`, `2d 3h`; at most two units.
 *
 * @example
 *   humanDuration(5_400_000) // '1h 30m'
 */
export function humanDuration(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))}ms`;
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ];
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of units) {
    const count = Math.floor(rest / size);
    if (count > 0 || parts.length > 0) {
      if (count > 0) parts.push(`${count}${unit}`);
      rest -= count * size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}
