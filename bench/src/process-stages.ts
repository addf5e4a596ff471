/**
 * One stream's setup as the relay and the gateway time it in their own processes: each exports
 * `burrow_<process>_stream_setup_stage_seconds{stage}` on its /metrics (apps/relay
 * relay-metrics.ts, apps/gateway gateway-metrics.ts). Scraped before and after a setup series,
 * the histograms' difference is that series alone: per stage the count, the mean (sum / count,
 * exact) and the p50 (interpolated within its bucket, as Prometheus' histogram_quantile does, so
 * only as fine as the buckets).
 *
 * The relay also counts, per stream, whether the caller's first byte (its inner ClientHello) had
 * already arrived when the channel to the gateway opened (`burrow_relay_caller_bytes_at_channel_open_total`).
 */

export type StageProcess = 'relay' | 'gateway';

/** One process's histograms (cumulative, as scraped) by stage. */
interface StageHistogram {
  /** Upper bound (seconds) -> cumulative count, in the order scraped (ascending, +Inf last). */
  buckets: [number, number][];
  sum: number;
  count: number;
}

export interface StageScrape {
  stages: Record<StageProcess, Map<string, StageHistogram>>;
  /** Relay: streams whose caller bytes were already there at channel open, and not. */
  callerBytesAtChannelOpen: { buffered: number; notYet: number };
}

/** One stage in one process over a series (ms). */
export interface ProcessStageTiming {
  process: StageProcess;
  stage: string;
  count: number;
  mean: number;
  p50: number;
}

export interface ProcessStages {
  stages: ProcessStageTiming[];
  /** Of the series' streams: the inner ClientHello was waiting at the relay when the channel opened. */
  callerBytesAtChannelOpen: { buffered: number; notYet: number };
}

/** Reads both processes' /metrics. */
export async function scrapeStages(urls: Record<StageProcess, string>): Promise<StageScrape> {
  const [relay, gateway] = await Promise.all([fetchText(urls.relay), fetchText(urls.gateway)]);
  return {
    stages: {
      relay: parseStageHistograms(relay, 'burrow_relay_stream_setup_stage_seconds'),
      gateway: parseStageHistograms(gateway, 'burrow_gateway_stream_setup_stage_seconds'),
    },
    callerBytesAtChannelOpen: {
      buffered: counterValue(relay, 'burrow_relay_caller_bytes_at_channel_open_total', 'true'),
      notYet: counterValue(relay, 'burrow_relay_caller_bytes_at_channel_open_total', 'false'),
    },
  };
}

/** What happened between two scrapes. */
export function stagesBetween(before: StageScrape, after: StageScrape): ProcessStages {
  const stages: ProcessStageTiming[] = [];
  for (const process of ['relay', 'gateway'] as const) {
    for (const [stage, end] of after.stages[process]) {
      const start = before.stages[process].get(stage);
      const count = end.count - (start?.count ?? 0);
      if (count <= 0) continue;
      const sum = end.sum - (start?.sum ?? 0);
      const buckets = end.buckets.map(([le, cumulative], i): [number, number] => [
        le,
        cumulative - (start?.buckets[i]?.[1] ?? 0),
      ]);
      stages.push({
        process,
        stage,
        count,
        mean: (sum / count) * 1000,
        p50: quantile(buckets, count, 0.5) * 1000,
      });
    }
  }
  return {
    stages,
    callerBytesAtChannelOpen: {
      buffered: after.callerBytesAtChannelOpen.buffered - before.callerBytesAtChannelOpen.buffered,
      notYet: after.callerBytesAtChannelOpen.notYet - before.callerBytesAtChannelOpen.notYet,
    },
  };
}

/** The `q` quantile of a histogram: linear within the bucket it falls in (histogram_quantile). */
export function quantile(buckets: readonly [number, number][], count: number, q: number): number {
  const rank = q * count;
  let lower = 0;
  let below = 0;
  for (const [le, cumulative] of buckets) {
    if (cumulative >= rank) {
      // Past the last finite bound there is no upper edge: report that bound.
      if (!Number.isFinite(le)) return lower;
      const inBucket = cumulative - below;
      return inBucket === 0 ? le : lower + ((le - lower) * (rank - below)) / inBucket;
    }
    lower = le;
    below = cumulative;
  }
  return NaN;
}

/** The histograms of metric `name` in a Prometheus text page, by their `stage` label. */
export function parseStageHistograms(page: string, name: string): Map<string, StageHistogram> {
  const histograms = new Map<string, StageHistogram>();
  const of = (stage: string): StageHistogram => {
    let histogram = histograms.get(stage);
    if (!histogram) {
      histogram = { buckets: [], sum: 0, count: 0 };
      histograms.set(stage, histogram);
    }
    return histogram;
  };
  for (const line of page.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match) continue;
    const [, metric, labelText, valueText] = match as unknown as [string, string, string, string];
    const labels = parseLabels(labelText);
    const stage = labels.get('stage');
    if (stage === undefined) continue;
    const value = Number(valueText);
    if (metric === `${name}_bucket`) {
      const le = labels.get('le');
      if (le !== undefined) of(stage).buckets.push([le === '+Inf' ? Infinity : Number(le), value]);
    } else if (metric === `${name}_sum`) of(stage).sum = value;
    else if (metric === `${name}_count`) of(stage).count = value;
  }
  return histograms;
}

function counterValue(page: string, name: string, buffered: string): number {
  const line = page
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && parseLabels(l).get('buffered') === buffered);
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

function parseLabels(text: string): Map<string, string> {
  return new Map([...text.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}

async function fetchText(url: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.text();
}
