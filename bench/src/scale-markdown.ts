/** bench/results/scale-latest.md from the results of `pnpm bench --scale` (scale-bench.ts). */
import type { ScaleResults } from './scale-bench.ts';
import { checkScaleTargets } from './scale-targets.ts';

const f1 = (n: number): string => n.toFixed(1);

export function scaleMarkdown(r: ScaleResults): string {
  const o = r.options;
  const lines: string[] = [
    `# Relay scale: ${o.gateways.toLocaleString('en')} idle gateways on one relay`,
    '',
    `\`${r.command}\` — ${r.startedAt}, ${f1(r.durationSeconds)} s.`,
    '',
    `Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB, ${r.machine.os}, Node ${r.machine.versions.node ?? ''}.`,
    `**Shared and loaded**: 1-minute load average ${f1(r.loadAverageAtStart)} at start, ${f1(r.loadAverageAtEnd ?? NaN)} at the end; during the phases: ${Object.entries(
      r.loadDuringPhases,
    )
      .map(([phase, value]) => `${phase} ${f1(value)}`)
      .join(
        ', ',
      )}. The swarm (${o.processes} processes), the control plane, the real gateway, the caller and the relay share the ${r.machine.cores} cores, so every time and delay below is an upper bound for a relay on its own machine; CPU seconds are the relay's own.`,
    '',
    `Swarm: ${o.gateways} gateways in ${o.processes} processes, each its own source address in 127.0.0.0/8 (the relay's per-source admission applies as in production), each gateway's own RelayTunnel + ReconnectBackoff + dialRelay; first join at ${o.startPerSecond} gateways/s. Registration of ${Math.max(o.gateways, o.variantGateways)} gateways with the control plane: ${f1(r.registrationSeconds ?? NaN)} s.`,
    '',
  ];
  if (r.error) lines.push(`**The run failed**: \`${r.error.split('\n')[0]}\``, '');
  lines.push('## Targets', '', '| target | measured | met |', '|---|---|---|');
  for (const check of checkScaleTargets(r)) {
    lines.push(
      `| ${check.target} | ${check.measured} | ${check.noTarget ? '–' : check.met === undefined ? 'not measured' : check.met ? 'yes' : '**no**'} |`,
    );
  }
  lines.push('');
  lines.push(
    `Relay CPU without the swarm (only the real gateway, over the same window): ${f1(r.relayBaselineCpuPercent ?? NaN)} %; the idle and variant figures include it.`,
  );
  if (r.join) {
    lines.push(
      `Join: all ${o.gateways} up after ${f1(r.join.seconds)} s (${r.join.failedDials} failed dials retried with backoff).`,
    );
  }
  if (r.idle) {
    lines.push(
      `Idle (${o.idleWindowMs / 1000} s window): relay RSS ${mib(r.idle.relayRssBeforeBytes)} → ${mib(r.idle.relayRssAfterBytes)} MiB; event-loop delay max ${f1(r.idle.eventLoop.maxMs)} ms.`,
    );
  }
  if (r.streams) {
    const s = r.streams;
    lines.push(
      `Streams (${o.streamWindowMs / 1000} s, ${o.streamConcurrency} at a time, resumed TLS, one echoed byte each, through the real burrow-gateway): ${s.opened} opened, ${s.failed} failed, ${f1(s.perSecond)}/s wall, relay ${f1(s.relayCpuSeconds)} CPU-s → ${f1(s.perRelayCpuSecond)} per relay CPU-second; event-loop delay max ${f1(s.eventLoop.maxMs)} ms; swarm gateways still up: ${s.gatewaysStillUp}.`,
    );
  }
  if (r.restart) {
    const x = r.restart;
    lines.push(
      `Restart: relay down ${f1(x.relayDownSeconds)} s (exit to ready: its registration with the control plane, listeners); back: ${backAt(
        x.reconnectsPerSecond,
        x.sampleAtSeconds,
        o.gateways,
      )
        .map(([share, at]) => `${share} after ${f1(at)} s`)
        .join(
          ', ',
        )} (from the old relay's exit); peak ${x.peakReconnectsPerSecond} reconnections/s, ${x.failedDials} failed dials. CPU meanwhile: the new relay ${f1(x.relayCpuSeconds)} s (start-up included: ${f1(r.options.gateways / x.relayCpuSeconds)} logins per relay CPU-second), the swarm ${f1(x.swarmCpuSeconds)} s — both on the same ${r.machine.cores} cores, so here the swarm's side of the logins set the pace as much as the relay.`,
      '',
      `Reconnections per second after the exit: ${x.reconnectsPerSecond.join(' ')}`,
    );
  }
  lines.push('');
  if (r.keepaliveVariants.length > 0) {
    lines.push(
      '## Keepalive variants (gateway side; the relay runs its built-in settings)',
      '',
      '| gateway keepalive (interval × unanswered max) | gateways | relay idle CPU | per 10,000 gateways | loop p99 |',
      '|---|---|---|---|---|',
    );
    for (const v of r.keepaliveVariants) {
      lines.push(
        `| ${v.keepalive.intervalMs / 1000} s × ${v.keepalive.countMax} | ${v.gateways} | ${f1(v.relayIdleCpuPercent)} % | ${f1(v.relayIdleCpuPercentPer10kGateways)} % | ${f1(v.eventLoop.p99Ms)} ms |`,
      );
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

/**
 * When half, 90 %, 99 % and all of `count` had logged in again, seconds after the exit (each
 * sample's time, or its number where the run did not record times: samples are ~1 s apart).
 */
function backAt(
  reconnectsPerSecond: readonly number[],
  sampleAtSeconds: readonly number[] | undefined,
  count: number,
): Array<[string, number]> {
  const shares = [0.5, 0.9, 0.99, 1];
  const at: Array<[string, number]> = [];
  let total = 0;
  reconnectsPerSecond.forEach((logins, second) => {
    total += logins;
    for (const share of shares.slice(at.length)) {
      if (total < count * share) break;
      at.push([`${share * 100} %`, sampleAtSeconds?.[second] ?? second + 1]);
    }
  });
  return at;
}

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(0);
}
