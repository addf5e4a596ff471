/**
 * Both ends send keepalive@openssh.com after an interval of silence and drop a peer that stays
 * silent for interval * (countMax + 1) — 12 s (gateway) and 14 s (relay) with the defaults; small
 * intervals here keep the test fast, and the defaults' own schedule runs scaled down 25 times.
 */
import type { Duplex } from 'node:stream';
import { startBlackholeProxy } from '@burrow/test-support';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  GATEWAY_SSH_KEEPALIVE_COUNT_MAX,
  GATEWAY_SSH_KEEPALIVE_INTERVAL_MS,
  RELAY_SSH_KEEPALIVE_COUNT_MAX,
  RELAY_SSH_KEEPALIVE_INTERVAL_MS,
} from '@burrow/tunnel-protocol';
import { connectToRelay, type GatewaySshSession } from '../src/index.ts';
import { startRelay } from './support/relay-fixture.ts';
import { once, sleep } from './support/wait.ts';

const INTERVAL_MS = 200;
const COUNT_MAX = 2;
/** Detection bound: (countMax + 1) intervals, plus scheduling slack. */
const BOUND_MS = INTERVAL_MS * (COUNT_MAX + 1) + 1_000;

/** The defaults' schedule, 25 times faster (the ratio between the two ends is what matters). */
const SCALE = 25;
const GATEWAY_DEFAULTS = {
  keepaliveIntervalMs: GATEWAY_SSH_KEEPALIVE_INTERVAL_MS / SCALE,
  keepaliveCountMax: GATEWAY_SSH_KEEPALIVE_COUNT_MAX,
};
const RELAY_DEFAULTS = {
  keepaliveIntervalMs: RELAY_SSH_KEEPALIVE_INTERVAL_MS / SCALE,
  keepaliveCountMax: RELAY_SSH_KEEPALIVE_COUNT_MAX,
};
interface KeepaliveSettings {
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
}
const detectionMs = (o: KeepaliveSettings): number =>
  o.keepaliveIntervalMs * (o.keepaliveCountMax + 1);

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

describe('keepalives', () => {
  it('the defaults drop a dead peer within 15 s, and the gateway pings first', () => {
    expect(detectionMs(GATEWAY_DEFAULTS) * SCALE).toBeLessThanOrEqual(15_000);
    expect(detectionMs(RELAY_DEFAULTS) * SCALE).toBeLessThanOrEqual(15_000);
    // By more than a round trip of a far-away gateway (0.5 s), so the relay's timer is restarted
    // by the gateway's ping before it fires.
    expect(RELAY_SSH_KEEPALIVE_INTERVAL_MS - GATEWAY_SSH_KEEPALIVE_INTERVAL_MS).toBeGreaterThan(
      500,
    );
  });

  it('keep an idle but healthy connection open on both ends, one exchange per gateway interval', async () => {
    const { connection, session, proxy } = await throughProxy(RELAY_DEFAULTS, GATEWAY_DEFAULTS);
    const from = proxy.chunksToTarget;
    const started = Date.now();
    await sleep(detectionMs(RELAY_DEFAULTS) * 6);
    const elapsedMs = Date.now() - started;
    expect(connection.closed).toBe(false);
    expect(session.closed).toBe(false);
    // The gateway pings every interval and the relay only answers. Were the relay pinging too,
    // the gateway would send its replies on top: about twice as many packets. (A loaded machine
    // fires timers late, which only makes fewer.)
    const packets = proxy.chunksToTarget - from;
    expect(packets).toBeGreaterThan(0);
    expect(packets).toBeLessThanOrEqual(
      Math.ceil((elapsedMs / GATEWAY_DEFAULTS.keepaliveIntervalMs) * 1.3) + 1,
    );
  });

  it('at the defaults, each end drops a peer that stops answering within its bound', async () => {
    const { connection, session, proxy } = await throughProxy(RELAY_DEFAULTS, GATEWAY_DEFAULTS);
    proxy.blackhole();
    const started = Date.now();
    const relayBound = detectionMs(RELAY_DEFAULTS) + 1_000;
    const gatewayBound = detectionMs(GATEWAY_DEFAULTS) + 1_000;
    const gatewaySaw = once<Error | undefined>(connection, 'close', gatewayBound).then(
      (reason) => ({ reason, afterMs: Date.now() - started }),
    );
    const relaySaw = once<void>(session, 'close', relayBound).then(() => Date.now() - started);
    const [gatewaySide, relayAfterMs] = await Promise.all([gatewaySaw, relaySaw]);
    expect(gatewaySide.reason?.message).toMatch(/Keepalive timeout/);
    expect(gatewaySide.afterMs).toBeLessThan(gatewayBound);
    expect(relayAfterMs).toBeLessThan(relayBound);
  });

  /** A gateway connected to a fresh relay through our proxy, with these keepalives. */
  async function throughProxy(relay: KeepaliveSettings, gateway: KeepaliveSettings) {
    const fixture = await startRelay({ server: relay });
    cleanups.push(() => fixture.server.close());
    const proxy = await startBlackholeProxy(fixture.port);
    cleanups.push(() => proxy.close());
    const sessionPromise = once<GatewaySshSession>(fixture.server, 'gateway', 5_000);
    const connection = await connectToRelay(
      fixture.gatewayOptions({ port: proxy.port, ...gateway }),
    );
    cleanups.push(() => connection.close());
    return { connection, session: await sessionPromise, proxy };
  }

  /** Only `side` pings fast; the other end's keepalive is far too slow to matter. */
  function onlyFast(side: 'gateway' | 'relay') {
    const slow = { keepaliveIntervalMs: 60_000, keepaliveCountMax: COUNT_MAX };
    const fast = { keepaliveIntervalMs: INTERVAL_MS, keepaliveCountMax: COUNT_MAX };
    return throughProxy(side === 'relay' ? fast : slow, side === 'gateway' ? fast : slow);
  }

  async function blackholed(side: 'gateway' | 'relay') {
    const { connection, session, proxy } = await onlyFast(side);
    proxy.blackhole();
    return { connection, session, started: Date.now() };
  }

  it('the gateway drops a relay that stops answering', async () => {
    const { connection, started } = await blackholed('gateway');
    const reason = await once<Error | undefined>(connection, 'close', BOUND_MS);
    expect(reason?.message).toMatch(/Keepalive timeout/);
    expect(Date.now() - started).toBeLessThan(BOUND_MS);
    expect(connection.closed).toBe(true);
  });

  it('the gateway keeps a relay whose replies queue behind the channel data it sends', async () => {
    // A relay forwarding more than a busy gateway reads: every byte arrives, later and later, the
    // keepalive replies too (up to 2 bounds late). Counting only replies dropped this live relay.
    const { connection, session, proxy } = await onlyFast('gateway');
    const arriving = once<Duplex>(connection, 'channel', 5_000);
    const relaySide = await session.openChannel();
    const gatewaySide = await arriving;
    let received = 0;
    gatewaySide.on('data', (chunk: Buffer) => (received += chunk.length));
    const pump = setInterval(() => relaySide.write(Buffer.alloc(4 * 1024)), 20);
    cleanups.push(() => clearInterval(pump));
    proxy.queueFromTarget(BOUND_MS * 2);
    const watchedFrom = received;
    await sleep(BOUND_MS * 5);
    expect(received).toBeGreaterThan(watchedFrom); // bytes kept arriving (late)
    expect(connection.closed).toBe(false);
    expect(session.closed).toBe(false);
  });

  it('the relay asks a gateway whether it answers: yes at once when it does, no after the timeout through a black hole', async () => {
    // Neither end's own keepalive runs during the test: only the relay's question is on the wire.
    const slow = { keepaliveIntervalMs: 60_000, keepaliveCountMax: COUNT_MAX };
    const { session, proxy } = await throughProxy(slow, slow);
    expect(await session.answersWithin(10_000)).toBe(true);
    proxy.blackhole();
    const started = Date.now();
    expect(await session.answersWithin(INTERVAL_MS)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(INTERVAL_MS - 5);
    session.close();
    expect(await session.answersWithin(10_000)).toBe(false);
  });

  it('the relay drops a gateway that stops answering', async () => {
    const { session, started } = await blackholed('relay');
    await once<void>(session, 'close', BOUND_MS);
    expect(Date.now() - started).toBeLessThan(BOUND_MS);
    expect(session.closed).toBe(true);
    await expect(session.openChannel()).rejects.toThrow(/disconnected/);
  });
});
