import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { GatewayRegistry } from '../src/gateway-registry.ts';
import { StubGatewaySession, captureLogger } from './test-support.ts';

describe('GatewayRegistry', () => {
  it('finds a connected gateway, case-insensitively, and forgets it when it closes', async () => {
    const { logger, events } = captureLogger();
    const registry = new GatewayRegistry(logger);
    const id = randomUUID();
    const session = new StubGatewaySession(id.toUpperCase());
    expect(await registry.add(session)).toBe('connected');
    expect(registry.get(id)).toBe(session);
    expect(events).toContainEqual(
      expect.objectContaining({ msg: 'Gateway connected', gatewayId: id }),
    );
    session.close();
    expect(registry.get(id)).toBeUndefined();
    expect(registry.size).toBe(0);
    expect(events).toContainEqual(expect.objectContaining({ msg: 'Gateway disconnected' }));
  });

  it('replaces an older session of the same gateway that does not answer, and closes it', async () => {
    const { logger, events } = captureLogger();
    const registry = new GatewayRegistry(logger);
    const id = randomUUID();
    const stale = new StubGatewaySession(id);
    const fresh = new StubGatewaySession(id);
    await registry.add(stale);
    stale.answers = false;
    expect(await registry.add(fresh)).toBe('replaced');
    expect(stale.closed).toBe(true);
    expect(fresh.closed).toBe(false);
    expect(registry.get(id)).toBe(fresh);
    expect(registry.size).toBe(1);
    expect(events).toContainEqual(
      expect.objectContaining({
        msg: 'Gateway reconnected; its previous connection did not answer: closing it',
        gatewayId: id,
      }),
    );
    expect(events.filter((e) => e.msg === 'Gateway disconnected')).toHaveLength(0);
  });

  it('closes a newer session while the older one answers: two live copies of a gateway do not take turns', async () => {
    const { logger, events } = captureLogger();
    const registry = new GatewayRegistry(logger);
    const id = randomUUID();
    const first = new StubGatewaySession(id);
    await registry.add(first);
    // Each copy reconnects after losing its connection; were the newer one let in, the first
    // would come back and replace it, and so on for as long as both run.
    for (let attempt = 0; attempt < 3; attempt++) {
      const copy = new StubGatewaySession(id);
      expect(await registry.add(copy)).toBe('refused');
      expect(copy.closed).toBe(true);
    }
    expect(first.closed).toBe(false);
    expect(registry.get(id)).toBe(first);
    expect(
      events.filter((e) =>
        String(e.msg).startsWith('Gateway connected again while its connection here still answers'),
      ),
    ).toHaveLength(3);
  });

  it('decides one newer session at a time: another arriving meanwhile is closed', async () => {
    const { logger } = captureLogger();
    const registry = new GatewayRegistry(logger);
    const id = randomUUID();
    const stale = new StubGatewaySession(id);
    await registry.add(stale);
    let answer: (answered: boolean) => void = () => undefined;
    stale.answersWithin = () => new Promise<boolean>((resolve) => (answer = resolve));
    const fresh = new StubGatewaySession(id);
    const deciding = registry.add(fresh);
    const another = new StubGatewaySession(id);
    expect(await registry.add(another)).toBe('refused');
    expect(another.closed).toBe(true);
    answer(false);
    expect(await deciding).toBe('replaced');
    expect(registry.get(id)).toBe(fresh);
  });

  it('keeps the newer session when the replaced one reports its close late', async () => {
    const { logger } = captureLogger();
    const registry = new GatewayRegistry(logger);
    const id = randomUUID();
    const stale = new StubGatewaySession(id);
    stale.close = () => undefined; // a dead TCP connection: close() does not emit 'close' yet
    stale.answers = false;
    const fresh = new StubGatewaySession(id);
    await registry.add(stale);
    await registry.add(fresh);
    stale.emit('close'); // ...until much later
    expect(registry.get(id)).toBe(fresh);
  });

  it('keeps different gateways apart and closes them all on shutdown', async () => {
    const { logger } = captureLogger();
    const registry = new GatewayRegistry(logger);
    const a = new StubGatewaySession(randomUUID());
    const b = new StubGatewaySession(randomUUID());
    await registry.add(a);
    await registry.add(b);
    expect(registry.size).toBe(2);
    registry.closeAll();
    expect(a.closed && b.closed).toBe(true);
    expect(registry.size).toBe(0);
  });
});
