import { describe, expect, it } from '@jest/globals';
import { healthReply, parseProbeReply, PING_REPLY } from '../src/index.ts';

describe('probe replies', () => {
  it('formats the health reply exactly as the reference', () => {
    expect(healthReply()).toBe('{"status":"ok","heartbeatTTL":180}\n');
  });
  it('parses health and ping replies', () => {
    expect(parseProbeReply(healthReply(60))).toBe(60);
    expect(parseProbeReply(PING_REPLY)).toBe(1800);
  });
  it('rejects garbage with a reason', () => {
    expect(() => parseProbeReply('HTTP/1.1 400')).toThrow(/not JSON/);
    expect(() => parseProbeReply('{"status":"down"}')).toThrow(/not ok/);
  });
});
