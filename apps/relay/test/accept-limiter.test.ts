import { describe, expect, it } from '@jest/globals';
import { AcceptLimiter, sourceKey } from '../src/accept-limiter.ts';
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

  it('forgets idle sources after the idle time', () => {
    let now = 0;
    const limiter = new AcceptLimiter({ sourceIdleMs: 1_000 }, () => now);
    for (const source of ['10.0.0.1', '10.0.0.2']) {
      const admission = limiter.admit(source);
      if (admission.ok) admission.handshakeDone();
    }
    expect(limiter.trackedSources).toBe(2);
    now = 2_000;
    expect(limiter.admit('10.0.0.3').ok).toBe(true);
    expect(limiter.trackedSources).toBe(1);
  });

  it('does not meter a source whose handshakes authenticate (the platform is one source)', () => {
    const limiter = new AcceptLimiter({ burst: 3, ratePerSecond: 0, maxPendingPerSource: 2 });
    // Unknown: each accept takes a token, an authenticated handshake gives it back.
    for (let i = 0; i < 10; i++) {
      const admission = limiter.admit('10.0.0.1');
      expect(admission.ok).toBe(true);
      if (admission.ok) {
        admission.authenticated();
        admission.handshakeDone();
      }
    }
    expect(limiter.isKnown('10.0.0.1')).toBe(true);
    // Known: many handshakes under way at once, past the unknown-source bounds.
    const pending = Array.from({ length: 100 }, () => limiter.admit('10.0.0.1'));
    expect(pending.every((admission) => admission.ok)).toBe(true);
    // A source whose handshakes fail keeps paying: three tokens, then refused.
    const failing = Array.from({ length: 4 }, () => {
      const admission = limiter.admit('10.0.0.2');
      if (admission.ok) admission.handshakeDone();
      return admission.ok ? 'ok' : admission.reason;
    });
    expect(failing).toEqual(['ok', 'ok', 'ok', 'rate_limited']);
  });

  it('a full table makes room for new sources: a 100k IPv6 flood does not lock anyone out', () => {
    let now = 0;
    const limiter = new AcceptLimiter({ maxTrackedSources: 1_000 }, () => now);
    const platform = limiter.admit('192.0.2.10');
    if (platform.ok) {
      platform.authenticated();
      platform.handshakeDone();
    }
    // 100,000 sources from distinct /64s, each one connection that fails its handshake.
    let refused = 0;
    for (let i = 0; i < 100_000; i++) {
      now += 1;
      const address = `2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::1`;
      const admission = limiter.admit(address);
      if (admission.ok) admission.handshakeDone();
      else refused += 1;
      if (i % 400 === 0) {
        // The platform keeps connecting during the flood.
        const again = limiter.admit('192.0.2.10');
        if (again.ok) again.handshakeDone();
        else refused += 1;
      }
    }
    expect(refused).toBe(0);
    expect(limiter.trackedSources).toBeLessThanOrEqual(1_000);
    expect(limiter.admit('198.51.100.7').ok).toBe(true); // a newcomer still gets in
    expect(limiter.isKnown('192.0.2.10')).toBe(true); // and the platform stayed known
  });

  it('refuses a new source only while every entry it could replace has a handshake under way', () => {
    const limiter = new AcceptLimiter({ maxTrackedSources: 2 });
    expect(limiter.admit('10.0.0.1').ok).toBe(true); // pending
    expect(limiter.admit('10.0.0.2').ok).toBe(true); // pending
    expect(limiter.admit('10.0.0.3')).toEqual({ ok: false, reason: 'too_many_sources' });
  });

  it('counts an IPv6 /64 as one source, and IPv4-mapped IPv6 as IPv4', () => {
    expect(sourceKey('2001:db8:1:2:aaaa::1')).toBe(sourceKey('2001:0db8:0001:0002:ffff:1:2:3'));
    expect(sourceKey('2001:db8:1:2::1')).not.toBe(sourceKey('2001:db8:1:3::1'));
    expect(sourceKey('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(sourceKey('fe80::1%eth0')).toBe(sourceKey('fe80::2'));
    expect(sourceKey('::1')).toBe('0:0:0:0::/64');
    const limiter = new AcceptLimiter({ burst: 2, ratePerSecond: 0 });
    const outcomes = ['2001:db8::1', '2001:db8::2', '2001:db8::3'].map((address) => {
      const admission = limiter.admit(address);
      if (admission.ok) admission.handshakeDone();
      return admission.ok;
    });
    expect(outcomes).toEqual([true, true, false]);
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
