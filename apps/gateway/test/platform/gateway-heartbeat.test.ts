import { describe, expect, it } from '@jest/globals';
import { ManualClock } from '@burrow/test-support';
import {
  GatewayHeartbeat,
  HEARTBEAT_INTERVAL_MS,
  HEARTBEAT_RETRY_INTERVAL_MS,
} from '../../src/platform/gateway-heartbeat.ts';
import { captureLogs } from '../helpers/log-capture.ts';

/** A heartbeat on a manual clock whose sends end as `outcomes` says, at recorded times. */
function heartbeatWith(outcomes: ('ok' | 'fail' | 'hang')[]) {
  const clock = new ManualClock();
  const start = clock.now();
  const sends: { at: number; signal: AbortSignal }[] = [];
  const logs = captureLogs();
  const heartbeat = new GatewayHeartbeat({
    clock,
    logger: logs.logger,
    send: (signal) => {
      sends.push({ at: clock.now() - start, signal });
      const outcome = outcomes.shift() ?? 'ok';
      if (outcome === 'fail') return Promise.reject(new Error('gateway not reachable'));
      if (outcome === 'hang') return new Promise<void>(() => undefined);
      return Promise.resolve();
    },
  });
  return { clock, heartbeat, sends, logs, at: () => sends.map((send) => send.at) };
}

describe('GatewayHeartbeat (reference §5.7, on a manual clock)', () => {
  it('beats at once, every 10 s until accepted, then every 3 min; a failure goes back to 10 s', async () => {
    const { clock, heartbeat, at, logs } = heartbeatWith(['fail', 'ok', 'ok', 'fail', 'ok']);
    await clock.advance(60_000);
    expect(at()).toEqual([]); // nothing before start()
    heartbeat.start();
    heartbeat.start(); // idempotent
    await clock.advance(0);
    expect(at()).toEqual([60_000]);
    await clock.advance(HEARTBEAT_RETRY_INTERVAL_MS);
    expect(at()).toEqual([60_000, 70_000]);
    await clock.advance(HEARTBEAT_INTERVAL_MS - 1);
    expect(at()).toHaveLength(2);
    await clock.advance(1);
    await clock.advance(HEARTBEAT_INTERVAL_MS); // fails
    await clock.advance(HEARTBEAT_RETRY_INTERVAL_MS);
    expect(at()).toEqual([
      60_000,
      70_000,
      70_000 + HEARTBEAT_INTERVAL_MS,
      70_000 + 2 * HEARTBEAT_INTERVAL_MS,
      80_000 + 2 * HEARTBEAT_INTERVAL_MS,
    ]);
    expect(HEARTBEAT_INTERVAL_MS).toBe(180_000);
    expect(logs.lines.map((line) => line.msg)).toEqual([
      'heartbeat failed',
      'heartbeat accepted: the control plane reached the gateway',
      'heartbeat accepted',
      'heartbeat failed',
      'heartbeat accepted: the control plane reached the gateway',
    ]);
    expect(logs.lines[0]).toMatchObject({ error: 'gateway not reachable', retryInMs: 10_000 });
    heartbeat.stop();
    expect(clock.pendingDelays()).toEqual([]);
  });

  it('soon() beats now, unless a beat is on its way; stop() aborts it for good', async () => {
    const { clock, heartbeat, sends, at } = heartbeatWith(['ok', 'hang']);
    heartbeat.soon(); // not started: nothing
    await clock.advance(0);
    expect(at()).toEqual([]);
    heartbeat.start();
    await clock.advance(1_000);
    heartbeat.soon(); // after a reconnect
    await clock.advance(0);
    expect(at()).toEqual([0, 1_000]); // the second hangs
    heartbeat.soon();
    await clock.advance(HEARTBEAT_INTERVAL_MS * 2);
    expect(at()).toHaveLength(2);
    heartbeat.stop();
    expect(sends[1]?.signal.aborted).toBe(true);
    heartbeat.start(); // stopped for good
    await clock.advance(HEARTBEAT_INTERVAL_MS * 2);
    expect(at()).toHaveLength(2);
  });
});
