/** The speed targets, checked against one run's results. */
import type { BenchResults } from './bench-results.ts';
import type { Direction } from './throughput.ts';

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | undefined;
}

const KiB = 1024;

export function checkTargets(results: BenchResults): TargetCheck[] {
  const burrow = results.paths.burrow;
  const openssh = results.paths['openssh-openssl'];
  const direct = results.paths.direct;
  const checks: TargetCheck[] = [];
  const single = (measurements: typeof burrow, direction: Direction) =>
    measurements?.throughput.find((t) => t.streams === 1 && t.direction === direction);
  for (const direction of ['up', 'down'] as Direction[]) {
    const b = single(burrow, direction);
    const o = single(openssh, direction);
    const ratio = b && o ? b.mibPerSecond / o.mibPerSecond : NaN;
    checks.push({
      target: `single-stream throughput ${direction} ≥ 1.5 × openssh-openssl`,
      measured: `${fmt(b?.mibPerSecond, 0)} vs ${fmt(o?.mibPerSecond, 0)} MiB/s = ${fmt(ratio, 2)} ×`,
      met: Number.isNaN(ratio) ? undefined : ratio >= 1.5,
    });
  }
  for (const direction of ['up', 'down'] as Direction[]) {
    const b = single(burrow, direction)?.cpuSecondsPerGiB.relay;
    const o = single(openssh, direction)?.cpuSecondsPerGiB.relay;
    const ratio = b !== undefined && o !== undefined ? b / o : NaN;
    checks.push({
      target: `relay CPU per GiB (${direction}) ≤ 0.5 × stunnel + sshd`,
      measured: `${fmt(b, 2)} vs ${fmt(o, 2)} CPU-s/GiB = ${fmt(ratio, 2)} ×`,
      met: Number.isNaN(ratio) ? undefined : ratio <= 0.5,
    });
  }
  const bs = burrow?.setupResumed;
  const os = openssh?.setupResumed;
  const setupRatio = bs && os ? bs.p50 / os.p50 : NaN;
  checks.push({
    target: 'new-stream setup p50 (resumed) ≤ 0.5 × openssh-openssl (resumed)',
    measured: `${fmt(bs?.p50, 2)} vs ${fmt(os?.p50, 2)} ms = ${fmt(setupRatio, 2)} ×`,
    met: Number.isNaN(setupRatio) ? undefined : setupRatio <= 0.5,
  });
  checks.push({
    target: 'new-stream setup p99 (resumed) ≤ 10 ms',
    measured: `${fmt(bs?.p99, 2)} ms`,
    met: bs ? bs.p99 <= 10 : undefined,
  });
  const br = burrow?.requestResponse;
  const dr = direct?.requestResponse;
  checks.push({
    target: 'request/response adds ≤ 1 ms p50 over direct',
    measured:
      br && dr ? `+${fmt(br.p50 - dr.p50, 3)} ms (${fmt(br.p50, 3)} vs ${fmt(dr.p50, 3)})` : 'n/a',
    met: br && dr ? br.p50 - dr.p50 <= 1 : undefined,
  });
  checks.push({
    target: 'request/response adds ≤ 3 ms p99 over direct',
    measured:
      br && dr ? `+${fmt(br.p99 - dr.p99, 3)} ms (${fmt(br.p99, 3)} vs ${fmt(dr.p99, 3)})` : 'n/a',
    met: br && dr ? br.p99 - dr.p99 <= 3 : undefined,
  });
  const pam = results.pamQueries?.summary;
  const pamRow = (mode: string) => pam?.find((row) => row.mode === mode);
  const pamRatio = (target: string, mode: string, atLeast: number): TargetCheck => {
    const row = pamRow(mode);
    return {
      target,
      measured: row
        ? `${fmt(row.pamTps, 1)} vs ${fmt(row.directTps, 1)} TPS = ${fmt(row.ratio.median, 2)} ×`
        : 'n/a',
      met: row ? row.ratio.median >= atLeast : undefined,
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

export function fmt(value: number | undefined, digits: number): string {
  return value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits);
}
