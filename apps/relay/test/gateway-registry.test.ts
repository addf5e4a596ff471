import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { GatewayRegistry } from '../src/gateway-registry.ts';
import { StubGatewaySession, captureLogger } from './test-support.ts';

describe('GatewayRegistry', () => {
  it('finds a connected gateway, case-insensitively, and forgets it when it closes', () => {
    const { logger, events } = captureLogger();
    const registry = new GatewayRegistry(logger);
    const id = randomUUID();
    const session = new StubGatewaySession(id.toUpperCase());
    registry.add(session);
    expect(registry.get(id)).toBe(session);
    expect(events).toContainEqual(
      expect.objectContaining({ msg: 'Gateway connected', gatewayId: id }),
    );
    session.close();
    expect(registry.get(id)).toBeUndefined();
    expect(registry.size).toBe(0);
    expect(events).toContainEqual(expect.objectContaining({ msg: 'Gateway disconnected' }));
  });

  it('replaces an older session of the same gateway and closes it', () => {
    const { logger, events } = captureLogger();
    const registry = new GatewayRegistry(logger);
    const id = randomUUID();
    const stale = new StubGatewaySession(id);
    const fresh = new StubGatewaySession(id);
    registry.add(stale);
    registry.add(fresh);
    expect(stale.closed).toBe(true);
    expect(fresh.closed).toBe(false);
    expect(registry.get(id)).toBe(fresh);
    expect(registry.size).toBe(1);
    expect(events).toContainEqual(
      expect.objectContaining({
        msg: 'Gateway reconnected; closing its previous connection',
        gatewayId: id,
      }),
    );
    expect(events.filter((e) => e.msg === 'Gateway disconnected')).toHaveLength(0);
  });

  it('keeps the newer session when the replaced one reports its close late', () => {
    const { logger } = captureLogger();
    const registry = new GatewayRegistry(logger);
    const id = randomUUID();
    const stale = new StubGatewaySession(id);
    stale.close = () => undefined; // a dead TCP connection: close() does not emit 'close' yet
    const fresh = new StubGatewaySession(id);
    registry.add(stale);
    registry.add(fresh);
    stale.emit('close'); // ...until much later
    expect(registry.get(id)).toBe(fresh);
  });

  it('keeps different gateways apart and closes them all on shutdown', () => {
    const { logger } = captureLogger();
    const registry = new GatewayRegistry(logger);
    const a = new StubGatewaySession(randomUUID());
    const b = new StubGatewaySession(randomUUID());
    registry.add(a);
    registry.add(b);
    expect(registry.size).toBe(2);
    registry.closeAll();
    expect(a.closed && b.closed).toBe(true);
    expect(registry.size).toBe(0);
  });
});
