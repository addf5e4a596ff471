import { describe, expect, it } from '@jest/globals';
import { ManualClock } from '@burrow/test-support';
import { PlatformError, type PlatformClient, type RouteSpec } from '@burrow/platform-api';
import {
  RELAY_HEARTBEAT_INTERVAL_MS,
  RELAY_HEARTBEAT_RETRY_INTERVAL_MS,
  startRelayHeartbeat,
} from '../src/relay-heartbeat.ts';
import { captureLogger } from './test-support.ts';

/** A client whose calls `answer` handles: the heartbeat's schedule is the point here, not HTTP. */
function fakeClient(
  answer: (path: string, body: unknown) => Promise<unknown>,
): Pick<PlatformClient, 'call'> {
  const call = (route: RouteSpec, input?: { body?: unknown }) => answer(route.path, input?.body);
  return { call: call as PlatformClient['call'] };
}

describe('startRelayHeartbeat (reference §3.5, on a manual clock)', () => {
  it('beats at once, every 10 s until accepted, then every 30 min', async () => {
    const clock = new ManualClock();
    const start = clock.now();
    const calls: { path: string; at: number; body: unknown }[] = [];
    let failuresLeft = 2;
    const client = fakeClient(async (path, body) => {
      calls.push({ path, at: clock.now() - start, body });
      if (failuresLeft-- > 0) throw new Error('Relay relay-1 is not reachable');
      return {};
    });
    const { logger, events } = captureLogger();
    const heartbeat = startRelayHeartbeat({
      client,
      type: 'instance',
      name: 'relay-1',
      logger,
      clock,
    });
    try {
      await clock.advance(0);
      await clock.advance(RELAY_HEARTBEAT_RETRY_INTERVAL_MS);
      await clock.advance(RELAY_HEARTBEAT_RETRY_INTERVAL_MS);
      expect(calls.map((call) => call.at)).toEqual([0, 10_000, 20_000]); // the third is accepted
      expect(calls[0]).toMatchObject({
        path: '/api/v1/relays/heartbeat-instance-relay',
        body: { name: 'relay-1' },
      });
      expect(events.filter((e) => e.msg === 'Relay heartbeat failed')).toHaveLength(2);
      expect(events).toContainEqual(
        expect.objectContaining({
          msg: 'Relay heartbeat failed',
          err: 'Relay relay-1 is not reachable',
          retryInMs: 10_000,
        }),
      );
      expect(
        events.filter((e) => e.msg === 'Relay heartbeat accepted by the control plane'),
      ).toHaveLength(1);
      await clock.advance(RELAY_HEARTBEAT_INTERVAL_MS - 1);
      expect(calls).toHaveLength(3);
      await clock.advance(1);
      expect(calls.map((call) => call.at)).toEqual([0, 10_000, 20_000, 20_000 + 30 * 60_000]);
    } finally {
      heartbeat.stop();
    }
  });

  it('posts to the org route for org relays, and stops for good', async () => {
    const clock = new ManualClock();
    const paths: string[] = [];
    const client = fakeClient(async (path) => {
      paths.push(path);
      return {};
    });
    const heartbeat = startRelayHeartbeat({
      client,
      type: 'org',
      name: 'relay-1',
      logger: captureLogger().logger,
      retryIntervalMs: 10,
      intervalMs: 10,
      clock,
    });
    await clock.advance(50);
    expect(paths).toHaveLength(6); // at 0, 10, 20, 30, 40 and 50 ms
    heartbeat.stop();
    await clock.advance(1_000);
    expect(paths).toHaveLength(6);
    expect(clock.pendingDelays()).toEqual([]);
    expect(new Set(paths)).toEqual(new Set(['/api/v1/relays/heartbeat-org-relay']));
  });

  it('a 404 (the relay was deleted) reports it once and beats no more; other failures retry', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const refusal = (status: number, message: string) =>
      new PlatformError(`answered ${status}: ${message}`, {
        kind: 'http',
        method: 'POST',
        path: '/v1/relays/heartbeat-org-relay',
        status,
        serverMessage: message,
      });
    const answers = [refusal(503, 'down'), refusal(404, 'Relay relay-1 was deleted')];
    const client = fakeClient(async () => {
      calls++;
      const answer = answers.shift();
      if (answer) throw answer;
      return {};
    });
    const reasons: string[] = [];
    const heartbeat = startRelayHeartbeat({
      client,
      type: 'org',
      name: 'relay-1',
      logger: captureLogger().logger,
      clock,
      onDeleted: (reason) => reasons.push(reason),
    });
    try {
      await clock.advance(0);
      expect({ calls, reasons }).toEqual({ calls: 1, reasons: [] });
      await clock.advance(RELAY_HEARTBEAT_RETRY_INTERVAL_MS);
      expect({ calls, reasons }).toEqual({
        calls: 2,
        reasons: ['answered 404: Relay relay-1 was deleted'],
      });
      await clock.advance(RELAY_HEARTBEAT_INTERVAL_MS * 2);
      expect(calls).toBe(2);
    } finally {
      heartbeat.stop();
    }
  });
});
