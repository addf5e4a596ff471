import { describe, expect, it } from '@jest/globals';
import { AcceptLimiter } from '../src/accept-limiter.ts';
import { parseRelayConfig } from '../src/relay-config.ts';

describe('AcceptLimiter', () => {
  it('gives each source a burst, then its rate', () => {
    let now = 0;
    const limiter = new AcceptLimiter({ burst: 2, ratePerSecond: 1 }, () => now);
    const admit = () => {
      const admission = limiter.admit('10.0.0.1');
      if (admission.ok) admission.handshakeDone();
      return admission.ok ? 'ok' : admission.reason;
    };
    expect([admit(), admit(), admit()]).toEqual(['ok', 'ok', 'rate_limited']);
    expect(limiter.admit('10.0.0.2').ok).toBe(true); // another source is not affected
    now = 1_000;
    expect([admit(), admit()]).toEqual(['ok', 'rate_limited']);
  });

  it('bounds the handshakes a source may have pending (slowloris)', () => {
    const limiter = new AcceptLimiter({ burst: 100, maxPendingPerSource: 2 });
    const first = limiter.admit('10.0.0.1');
    const second = limiter.admit('10.0.0.1');
    const third = limiter.admit('10.0.0.1');
    expect(third).toEqual({ ok: false, reason: 'too_many_pending' });
    if (first.ok) first.handshakeDone();
    if (first.ok) first.handshakeDone(); // idempotent
    expect(limiter.admit('10.0.0.1').ok).toBe(true);
    expect(second.ok).toBe(true);
  });

  it('bounds the sources it tracks and forgets idle ones', () => {
    let now = 0;
    const limiter = new AcceptLimiter({ maxTrackedSources: 2, sourceIdleMs: 1_000 }, () => now);
    for (const source of ['a', 'b']) {
      const admission = limiter.admit(source);
      if (admission.ok) admission.handshakeDone();
    }
    expect(limiter.admit('c')).toEqual({ ok: false, reason: 'too_many_sources' });
    now = 2_000;
    expect(limiter.admit('c').ok).toBe(true);
    expect(limiter.trackedSources).toBe(1);
  });
});

describe('--metrics-listen-address', () => {
  const base = { host: 'relay.example.com', name: 'edge-1', domain: 'https://cp', token: 't' };
  it('is off by default, :port means loopback, and a bad value names the setting', () => {
    expect(parseRelayConfig(base, {}).metricsListen).toBeUndefined();
    expect(parseRelayConfig({ ...base, metricsListenAddress: ':9464' }, {}).metricsListen).toEqual({
      host: '127.0.0.1',
      port: 9464,
    });
    expect(() => parseRelayConfig({ ...base, metricsListenAddress: 'nope' }, {})).toThrow(
      '--metrics-listen-address (BURROW_RELAY_METRICS_LISTEN_ADDRESS): "nope": expected host:port',
    );
  });
});
