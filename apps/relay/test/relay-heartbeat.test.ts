import { describe, expect, it } from '@jest/globals';
import type { ControlPlaneClient } from '../src/control-plane-client.ts';
import { startRelayHeartbeat } from '../src/relay-heartbeat.ts';
import { captureLogger } from './test-support.ts';

describe('startRelayHeartbeat', () => {
  it('retries quickly until the first success, then slows down', async () => {
    const calls: { path: string; at: number; body: unknown }[] = [];
    let failuresLeft = 2;
    const client: ControlPlaneClient = {
      async post(path, body) {
        calls.push({ path, at: Date.now(), body });
        if (failuresLeft-- > 0) throw new Error('Relay relay-1 is not reachable');
        return {};
      },
    };
    const { logger, events } = captureLogger();
    const heartbeat = startRelayHeartbeat({
      client,
      type: 'instance',
      name: 'relay-1',
      logger,
      retryIntervalMs: 30,
      intervalMs: 400,
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      // attempt 1 at 0 ms, 2 at ~30, 3 (success) at ~60; the next is not due before ~460 ms.
      expect(calls).toHaveLength(3);
      expect(calls[0]).toMatchObject({
        path: '/v1/relays/heartbeat-instance-relay',
        body: { name: 'relay-1' },
      });
      expect(events.filter((e) => e.msg === 'Relay heartbeat failed')).toHaveLength(2);
      expect(events).toContainEqual(
        expect.objectContaining({
          msg: 'Relay heartbeat failed',
          err: 'Relay relay-1 is not reachable',
        }),
      );
      expect(
        events.filter((e) => e.msg === 'Relay heartbeat accepted by the control plane'),
      ).toHaveLength(1);
      const deadline = Date.now() + 5_000;
      while (calls.length < 4 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(calls).toHaveLength(4);
      const third = calls[2]?.at ?? 0;
      expect((calls[3]?.at ?? 0) - third).toBeGreaterThanOrEqual(390);
    } finally {
      heartbeat.stop();
    }
  });

  it('posts to the org route for org relays, and stops for good', async () => {
    const paths: string[] = [];
    const client: ControlPlaneClient = {
      async post(path) {
        paths.push(path);
        return {};
      },
    };
    const heartbeat = startRelayHeartbeat({
      client,
      type: 'org',
      name: 'relay-1',
      logger: captureLogger().logger,
      retryIntervalMs: 10,
      intervalMs: 10,
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    heartbeat.stop();
    const count = paths.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(paths.length).toBe(count);
    expect(new Set(paths)).toEqual(new Set(['/v1/relays/heartbeat-org-relay']));
  });
});
