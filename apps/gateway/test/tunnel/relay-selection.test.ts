import net from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { freePort } from '@burrow/test-support';
import {
  measureTcpConnect,
  selectRelay,
  type RelayCandidate,
} from '../../src/tunnel/relay-selection.ts';

const NOW = Date.parse('2026-12-02T12:00:00Z');
const minutesAgo = (minutes: number): string => new Date(NOW - minutes * 60_000).toISOString();

function relay(name: string, fields: Partial<RelayCandidate> = {}): RelayCandidate {
  return {
    name,
    host: `${name}.example`,
    tlsPort: 8443,
    orgId: 'org-1',
    heartbeat: minutesAgo(1),
    ...fields,
  };
}

/** A measurement table by host: a number is the connect time, undefined an unreachable relay. */
function latencies(table: Record<string, number | undefined>) {
  const asked: string[] = [];
  const measure = async (host: string, port: number): Promise<number | undefined> => {
    asked.push(`${host}:${port}`);
    return table[host];
  };
  return { measure, asked };
}

describe('selectRelay (reference §5.8)', () => {
  it('picks the fastest reachable org relay', async () => {
    const { measure } = latencies({ 'a.example': 40, 'b.example': 5, 'c.example': undefined });
    const relays = [relay('a'), relay('b'), relay('c')];
    expect(await selectRelay(relays, { now: NOW, measure })).toBe('b');
  });

  it('prefers a reachable org relay to a faster instance relay', async () => {
    const { measure } = latencies({ 'org.example': 90, 'shared.example': 1 });
    const relays = [relay('shared', { orgId: null }), relay('org')];
    expect(await selectRelay(relays, { now: NOW, measure })).toBe('org');
  });

  it('falls back to the fastest instance relay when no org relay answers', async () => {
    const { measure } = latencies({ 'org.example': undefined, 'i1.example': 30, 'i2.example': 10 });
    const relays = [relay('org'), relay('i1', { orgId: null }), relay('i2', { orgId: null })];
    expect(await selectRelay(relays, { now: NOW, measure })).toBe('i2');
  });

  it('leaves out relays without a heartbeat in the last hour, and does not even measure them', async () => {
    const { measure, asked } = latencies({
      'stale.example': 1,
      'never.example': 1,
      'ok.example': 50,
    });
    const relays = [
      relay('stale', { heartbeat: minutesAgo(61) }),
      relay('never', { heartbeat: null }),
      relay('ok', { heartbeat: minutesAgo(59), tlsPort: 9443 }),
    ];
    expect(await selectRelay(relays, { now: NOW, measure })).toBe('ok');
    expect(asked).toEqual(['ok.example:9443']);
  });

  it('takes a random healthy relay when none answers, and none when none is healthy', async () => {
    const { measure } = latencies({});
    const relays = [
      relay('a'),
      relay('b', { orgId: null }),
      relay('old', { heartbeat: minutesAgo(120) }),
    ];
    expect(await selectRelay(relays, { now: NOW, measure, random: () => 0.99 })).toBe('b');
    expect(await selectRelay(relays, { now: NOW, measure, random: () => 0 })).toBe('a');
    expect(await selectRelay([relays[2]!], { now: NOW, measure })).toBeUndefined();
    expect(await selectRelay([], { now: NOW, measure })).toBeUndefined();
  });
});

describe('measureTcpConnect', () => {
  it('times a TCP connect to a listening port, and reports a closed port as unreachable', async () => {
    const server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      const ms = await measureTcpConnect('127.0.0.1', port);
      expect(typeof ms).toBe('number');
      expect(ms).toBeGreaterThanOrEqual(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await measureTcpConnect('127.0.0.1', await freePort())).toBeUndefined();
  });
});
