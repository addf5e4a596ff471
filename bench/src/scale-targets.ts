/** The scale targets of issue 20, checked against one `pnpm bench --scale` run. */
import type { ScaleResults } from './scale-bench.ts';

export interface ScaleCheck {
  target: string;
  measured: string;
  /** undefined: the run did not get that far. */
  met: boolean | undefined;
  /** Measured for the record; the issue sets no target. */
  noTarget?: boolean;
}

export function checkScaleTargets(r: ScaleResults): ScaleCheck[] {
  const n = r.options.gateways;
  return [
    {
      target: 'relay memory ≤ 64 KiB per idle gateway',
      measured: r.idle
        ? `${(r.idle.relayRssPerGatewayBytes / 1024).toFixed(1)} KiB (${n} gateways)`
        : '–',
      met: r.idle ? r.idle.relayRssPerGatewayBytes <= 64 * 1024 : undefined,
    },
    {
      target: 'idle keepalives ≤ 5 % of a relay core',
      measured: r.idle ? `${r.idle.relayCpuPercent.toFixed(1)} % (${n} gateways)` : '–',
      met: r.idle ? r.idle.relayCpuPercent <= 5 : undefined,
    },
    {
      target: 'relay event-loop delay p99 ≤ 20 ms, idle',
      measured: r.idle ? `${r.idle.eventLoop.p99Ms.toFixed(1)} ms` : '–',
      met: r.idle ? r.idle.eventLoop.p99Ms <= 20 : undefined,
    },
    {
      target: 'relay event-loop delay p99 ≤ 20 ms, while streams open',
      measured: r.streams ? `${r.streams.eventLoop.p99Ms.toFixed(1)} ms` : '–',
      met: r.streams ? r.streams.eventLoop.p99Ms <= 20 : undefined,
    },
    {
      target: `all ${n} gateways back ≤ 60 s after a relay restart`,
      measured: r.restart
        ? `${r.restart.allBackAfterRelayExitSeconds.toFixed(1)} s after the exit (${r.restart.allBackAfterRelayReadySeconds.toFixed(1)} s after the new relay was ready), peak ${r.restart.peakReconnectsPerSecond}/s`
        : '–',
      met: r.restart ? r.restart.allBackAfterRelayExitSeconds <= 60 : undefined,
    },
    {
      target: 'new streams per second one relay core opens',
      measured: r.streams ? `${r.streams.perRelayCpuSecond.toFixed(0)} per relay CPU-second` : '–',
      met: undefined,
      noTarget: true,
    },
  ];
}
