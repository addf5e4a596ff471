import { describe, expect, it } from '@jest/globals';
import { Counter, Registry } from 'prom-client';
import {
  CertificateExpiryGauge,
  formatListenAddress,
  parseListenAddress,
  parseObservabilityListenAddress,
  startObservabilityServer,
} from '../src/index.ts';

describe('startObservabilityServer', () => {
  it('serves /healthz, /readyz (200 or 503 with the reason) and /metrics', async () => {
    const registry = new Registry();
    const counter = new Counter({ name: 'test_total', help: 'test', registers: [registry] });
    counter.inc(3);
    let ready = false;
    const server = await startObservabilityServer({
      listen: { host: '127.0.0.1', port: 0 },
      registry,
      readiness: () => (ready ? { ready } : { ready, reason: 'no relay connected' }),
    });
    try {
      const base = `http://127.0.0.1:${server.address.port}`;
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      const notReady = await fetch(`${base}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.text()).toBe('not ready: no relay connected\n');
      ready = true;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const metrics = await fetch(`${base}/metrics`);
      expect(metrics.headers.get('content-type')).toContain('text/plain');
      expect(await metrics.text()).toContain('test_total 3');
      expect((await fetch(`${base}/nope`)).status).toBe(404);
      expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      await server.close();
    }
  });
});

describe('CertificateExpiryGauge', () => {
  it('counts down to each certificate expiry at scrape time', async () => {
    const registry = new Registry();
    const gauge = new CertificateExpiryGauge(registry, 'test');
    gauge.set('ssh-host', new Date(Date.now() + 3_600_000));
    gauge.setX509('broken', 'not a pem');
    const text = await registry.metrics();
    const match = /test_certificate_expiry_seconds\{certificate="ssh-host"\} ([\d.]+)/.exec(text);
    expect(Number(match?.[1])).toBeGreaterThan(3590);
    expect(Number(match?.[1])).toBeLessThanOrEqual(3600);
    expect(text).not.toContain('broken');
  });
});

describe('parseObservabilityListenAddress', () => {
  it('parses host:port, [v6]:port and :port (loopback)', () => {
    expect(parseObservabilityListenAddress('0.0.0.0:9464')).toEqual({
      host: '0.0.0.0',
      port: 9464,
    });
    expect(parseObservabilityListenAddress('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseObservabilityListenAddress(':9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseObservabilityListenAddress('nope')).toBe('expected host:port');
    expect(parseObservabilityListenAddress('h:99999')).toBe('port 99999 is outside 0-65535');
    expect(parseObservabilityListenAddress('::1:9464')).toBe(
      'an IPv6 host must be written in brackets, e.g. [::1]:9464',
    );
  });
});

describe('parseListenAddress (default rules: the relay listeners)', () => {
  it('takes :port as all IPv4 interfaces and refuses port 0', () => {
    expect(parseListenAddress(':2222')).toEqual({ host: '0.0.0.0', port: 2222 });
    expect(parseListenAddress('[::1]:8443')).toEqual({ host: '::1', port: 8443 });
    expect(parseListenAddress('127.0.0.1:0')).toBe('port 0 is outside 1-65535');
    expect(parseListenAddress('::1:2222')).toBe(
      'an IPv6 host must be written in brackets, e.g. [::]:2222',
    );
    expect(formatListenAddress({ host: '::1', port: 8443 })).toBe('[::1]:8443');
    expect(formatListenAddress({ host: '0.0.0.0', port: 2222 })).toBe('0.0.0.0:2222');
  });
});
