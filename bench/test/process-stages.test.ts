import { describe, expect, it } from '@jest/globals';
import { Counter, Histogram, Registry } from '@burrow/observability';
import { parseStageHistograms, quantile, stagesBetween } from '../src/process-stages.ts';

const BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01];

/** A relay's and a gateway's /metrics as prom-client writes them, with what each stage saw. */
function metricsPages() {
  const relay = new Registry();
  const gateway = new Registry();
  const relayStages = new Histogram({
    name: 'burrow_relay_stream_setup_stage_seconds',
    help: 'h',
    labelNames: ['stage'],
    buckets: BUCKETS,
    registers: [relay],
  });
  const gatewayStages = new Histogram({
    name: 'burrow_gateway_stream_setup_stage_seconds',
    help: 'h',
    labelNames: ['stage'],
    buckets: BUCKETS,
    registers: [gateway],
  });
  const hello = new Counter({
    name: 'burrow_relay_caller_bytes_at_channel_open_total',
    help: 'h',
    labelNames: ['buffered'],
    registers: [relay],
  });
  const scrape = async () => ({
    stages: {
      relay: parseStageHistograms(await relay.metrics(), 'burrow_relay_stream_setup_stage_seconds'),
      gateway: parseStageHistograms(
        await gateway.metrics(),
        'burrow_gateway_stream_setup_stage_seconds',
      ),
    },
    callerBytesAtChannelOpen: {
      buffered: (await hello.get()).values.find((v) => v.labels.buffered === 'true')?.value ?? 0,
      notYet: (await hello.get()).values.find((v) => v.labels.buffered === 'false')?.value ?? 0,
    },
  });
  return { relayStages, gatewayStages, hello, scrape };
}

describe('process stages', () => {
  it('reports only what happened between two scrapes: count, exact mean, bucket p50', async () => {
    const { relayStages, gatewayStages, hello, scrape } = metricsPages();
    // Before the series: streams that must not count.
    relayStages.observe({ stage: 'channel_open' }, 0.009);
    hello.inc({ buffered: 'false' });
    const before = await scrape();
    for (const seconds of [0.0003, 0.0004, 0.0006, 0.0008]) {
      relayStages.observe({ stage: 'channel_open' }, seconds);
    }
    gatewayStages.observe({ stage: 'inner_tls' }, 0.0015);
    hello.inc({ buffered: 'true' }, 4);
    const result = stagesBetween(before, await scrape());

    const channelOpen = result.stages.find((s) => s.stage === 'channel_open')!;
    expect(channelOpen).toMatchObject({ process: 'relay', count: 4 });
    expect(channelOpen.mean).toBeCloseTo(0.525, 6); // (0.3 + 0.4 + 0.6 + 0.8) / 4 ms
    // Rank 2 of 4 is the last of the two in (0.25, 0.5] ms: that bucket's upper edge.
    expect(channelOpen.p50).toBeCloseTo(0.5, 6);
    const innerTls = result.stages.find((s) => s.stage === 'inner_tls')!;
    expect(innerTls).toMatchObject({ process: 'gateway', count: 1 });
    expect(innerTls.mean).toBeCloseTo(1.5, 6);
    // Stages with no stream in the series are left out.
    expect(result.stages).toHaveLength(2);
    expect(result.callerBytesAtChannelOpen).toEqual({ buffered: 4, notYet: 0 });
  });

  it('interpolates within a bucket and stops at the last finite bound', () => {
    const buckets: [number, number][] = [
      [1, 0],
      [2, 4],
      [Infinity, 6],
    ];
    expect(quantile(buckets, 6, 0.5)).toBeCloseTo(1.75, 6); // rank 3 of the 4 in (1, 2]
    expect(quantile(buckets, 6, 0.99)).toBe(2);
  });
});
