/**
 * The relay's event-loop delay, read from its own Prometheus /metrics (relay-metrics.ts: prom-client
 * defaults, `burrow_relay_nodejs_eventloop_lag_p99_seconds` from perf_hooks.monitorEventLoopDelay).
 * prom-client resets that histogram on every scrape, so scraping at the start and at the end of a
 * window gives the p99 of the window alone.
 */
const P99 = /^burrow_relay_nodejs_eventloop_lag_p99_seconds (\S+)$/m;
const MAX = /^burrow_relay_nodejs_eventloop_lag_max_seconds (\S+)$/m;

export interface EventLoopDelay {
  p99Ms: number;
  maxMs: number;
}

export async function scrapeEventLoopDelay(metricsUrl: string): Promise<EventLoopDelay> {
  const response = await fetch(metricsUrl);
  if (!response.ok) throw new Error(`relay ${metricsUrl}: HTTP ${response.status}`);
  const text = await response.text();
  const read = (pattern: RegExp): number => {
    const match = pattern.exec(text);
    if (!match) throw new Error(`relay ${metricsUrl}: no ${pattern.source.split(' ')[0]}`);
    return Number(match[1]) * 1000;
  };
  return { p99Ms: read(P99), maxMs: read(MAX) };
}

/** Starts a window now; `end()` gives the delay p99 and max over the window. */
export async function eventLoopWindow(
  metricsUrl: string,
): Promise<{ end: () => Promise<EventLoopDelay> }> {
  await scrapeEventLoopDelay(metricsUrl); // resets the histogram
  return { end: () => scrapeEventLoopDelay(metricsUrl) };
}
