import { describe, expect, it } from '@jest/globals';
import { hostOf } from '../../src/platform/gateway-registration.ts';

describe('hostOf (the relay host a registration names)', () => {
  it('takes a bare host as is: what a reference-compatible control plane sends', () => {
    expect(hostOf('relay.example.com')).toBe('relay.example.com');
    expect(hostOf('127.0.0.1')).toBe('127.0.0.1');
    expect(hostOf('::1')).toBe('::1');
  });

  it('drops the TLS port an older Burrow control plane added', () => {
    expect(hostOf('127.0.0.1:8522')).toBe('127.0.0.1');
    expect(hostOf('[::1]:8522')).toBe('::1');
    expect(hostOf('[::1]')).toBe('::1');
  });

  it('refuses a port that is not a number and an empty host', () => {
    expect(() => hostOf('relay:ssh')).toThrow(/relayHost "relay:ssh" is malformed/);
    expect(() => hostOf(':8443')).toThrow(/malformed/);
  });
});
