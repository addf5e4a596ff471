/** The speed targets, checked against one run's results. */
import type { BenchResults } from './bench-results.ts';
import type { PathMeasurements, PathSet } from './path-measurements.ts';
import { spread, type Spread } from './percentiles.ts';
import type { Direction } from './throughput.ts';

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | undefined;
  /** The checked figure (a ratio, or ms) in each repetition: median, min, max. */
  spread?: Spread;
}

const KiB = 1024;

/**
 * Checks each target on the median over the repetitions of its figure, the figure computed within
 * each repetition (so a ratio compares paths measured side by side).
 */
export function checkTargets(results: BenchResults): TargetCheck[] {
  const repetitions = (results.repetitions ?? [results.paths]).length;
  const burrow = results.paths.burrow;
  const openssh = results.paths['openssh-openssl'];
  const checks: TargetCheck[] = [];
  const over = (figure: (paths: PathSet) => number | undefined): Spread | undefined =>
    overRepetitions(results, figure);
  const range = (s: Spread | undefined, digits: number): string =>
    repetitions > 1 ? rangeText(s, digits) : '';
  const check = (
    target: string,
    s: Spread | undefined,
    measured: string,
    met: (median: number) => boolean,
  ): TargetCheck => ({
    target,
    measured,
    met: s ? met(s.median) : undefined,
    ...(s ? { spread: s } : {}),
  });
  const single = (measurements: PathMeasurements | undefined, direction: Direction) =>
    measurements?.throughput.find((t) => t.streams === 1 && t.direction === direction);
  for (const direction of ['up', 'down'] as Direction[]) {
    const s = over(
      (paths) =>
        (single(paths.burrow, direction)?.mibPerSecond ?? NaN) /
        (single(paths['openssh-openssl'], direction)?.mibPerSecond ?? NaN),
    );
    checks.push(
      check(
        `single-stream throughput ${direction} ≥ 1.5 × openssh-openssl`,
        s,
        `${fmt(single(burrow, direction)?.mibPerSecond, 0)} vs ${fmt(single(openssh, direction)?.mibPerSecond, 0)} MiB/s = ${fmt(s?.median, 2)} ×${range(s, 2)}`,
        (ratio) => ratio >= 1.5,
      ),
    );
  }
  for (const direction of ['up', 'down'] as Direction[]) {
    const s = over(
      (paths) =>
        (single(paths.burrow, direction)?.cpuSecondsPerGiB.relay ?? NaN) /
        (single(paths['openssh-openssl'], direction)?.cpuSecondsPerGiB.relay ?? NaN),
    );
    checks.push(
      check(
        `relay CPU per GiB (${direction}) ≤ 0.5 × stunnel + sshd`,
        s,
        `${fmt(single(burrow, direction)?.cpuSecondsPerGiB.relay, 2)} vs ${fmt(single(openssh, direction)?.cpuSecondsPerGiB.relay, 2)} CPU-s/GiB = ${fmt(s?.median, 2)} ×${range(s, 2)}`,
        (ratio) => ratio <= 0.5,
      ),
    );
  }
  const setupRatio = over(
    (paths) =>
      (paths.burrow?.setupResumed.p50 ?? NaN) / (paths['openssh-openssl']?.setupResumed.p50 ?? NaN),
  );
  checks.push(
    check(
      'new-stream setup p50 (resumed) ≤ 0.5 × openssh-openssl (resumed)',
      setupRatio,
      `${fmt(burrow?.setupResumed.p50, 2)} vs ${fmt(openssh?.setupResumed.p50, 2)} ms = ${fmt(setupRatio?.median, 2)} ×${range(setupRatio, 2)}`,
      (ratio) => ratio <= 0.5,
    ),
  );
  const setupP99 = over((paths) => paths.burrow?.setupResumed.p99);
  checks.push(
    check(
      'new-stream setup p99 (resumed) ≤ 10 ms',
      setupP99,
      `${fmt(setupP99?.median, 2)} ms${range(setupP99, 2)}`,
      (p99) => p99 <= 10,
    ),
  );
  for (const [percentile, limit] of [
    ['p50', 1],
    ['p99', 3],
  ] as const) {
    const added = over(
      (paths) =>
        (paths.burrow?.requestResponse[percentile] ?? NaN) -
        (paths.direct?.requestResponse[percentile] ?? NaN),
    );
    const br = burrow?.requestResponse[percentile];
    const dr = results.paths.direct?.requestResponse[percentile];
    checks.push(
      check(
        `request/response adds ≤ ${limit} ms ${percentile} over direct`,
        added,
        added
          ? `+${fmt(added.median, 3)} ms${range(added, 3)} (${fmt(br, 3)} vs ${fmt(dr, 3)})`
          : 'n/a',
        (ms) => ms <= limit,
      ),
    );
  }
  const pam = results.pamQueries?.summary;
  const pamRow = (mode: string) => pam?.find((row) => row.mode === mode);
  const pamRepetitions = results.pamQueries?.config.repetitions ?? 1;
  const pamRatio = (target: string, mode: string, atLeast: number): TargetCheck => {
    const row = pamRow(mode);
    return {
      target,
      measured: row
        ? `${fmt(row.pamTps, 1)} vs ${fmt(row.directTps, 1)} TPS = ${fmt(row.ratio.median, 2)} ×${pamRepetitions > 1 ? rangeText(row.ratio, 2) : ''}`
        : 'n/a',
      met: row ? row.ratio.median >= atLeast : undefined,
      ...(row ? { spread: row.ratio } : {}),
    };
  };
  checks.push(
    pamRatio(
      'PAM queries, 16 clients (select-only): ≥ 0.5 × direct TPS',
      'select-only, 16 clients',
      0.5,
    ),
  );
  const one = pamRow('select-only, 1 client');
  checks.push({
    target: 'PAM queries, 1 client (select-only): ≤ +0.3 ms per query over direct',
    measured: one ? `+${fmt(one.addedLatencyMs, 3)} ms` : 'n/a',
    met: one ? one.addedLatencyMs <= 0.3 : undefined,
  });
  checks.push(
    pamRatio(
      'PAM queries, new connection per transaction: ≥ 0.8 × direct TPS',
      'select-only, new connection per transaction, 4 clients',
      0.8,
    ),
  );
  const scale = results.relayScale;
  checks.push({
    target: 'relay memory ≤ 64 KiB per idle gateway connection',
    measured: scale
      ? `${fmt(scale.idleGateways.relayRssPerGatewayBytes / KiB, 1)} KiB (${scale.idleGateways.count} gateways)`
      : 'n/a',
    met: scale ? scale.idleGateways.relayRssPerGatewayBytes <= 64 * KiB : undefined,
  });
  checks.push({
    target: 'relay memory ≤ 64 KiB per open stream',
    measured: scale
      ? `${fmt(scale.openStreams.relayRssPerStreamBytes / KiB, 1)} KiB (${scale.openStreams.count} streams)`
      : 'n/a',
    met: scale ? scale.openStreams.relayRssPerStreamBytes <= 64 * KiB : undefined,
  });
  return checks;
}

/**
 * A figure computed within each repetition (e.g. burrow / openssh-openssl of that round), over
 * the repetitions that have it; undefined when none has. Results written before repetitions
 * existed count as one.
 */
export function overRepetitions(
  results: BenchResults,
  figure: (paths: PathSet) => number | undefined,
): Spread | undefined {
  const values = (results.repetitions ?? [results.paths])
    .map(figure)
    .filter((v): v is number => v !== undefined && !Number.isNaN(v));
  return values.length > 0 ? spread(values) : undefined;
}

/** " (min–max)" of a spread. */
export function rangeText(s: Spread | undefined, digits: number): string {
  return s ? ` (${fmt(s.min, digits)}–${fmt(s.max, digits)})` : '';
}

export function fmt(value: number | undefined, digits: number): string {
  return value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits);
}
