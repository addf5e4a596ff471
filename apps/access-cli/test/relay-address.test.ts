import { describe, expect, it } from '@jest/globals';
import { parseRelayAddress } from '../src/relay-address.ts';

describe('parseRelayAddress', () => {
  it.each([
    ['relay.example.com', { host: 'relay.example.com', port: 8443 }],
    ['127.0.0.1:18443', { host: '127.0.0.1', port: 18443 }],
    ['[::1]:9443', { host: '::1', port: 9443 }],
    ['[::1]', { host: '::1', port: 8443 }],
    ['::1', { host: '::1', port: 8443 }],
  ])('%s', (text, expected) => {
    expect(parseRelayAddress(text)).toEqual(expected);
  });

  it('refuses a bad port', () => {
    expect(() => parseRelayAddress('relay:99999')).toThrow(/invalid relay address/);
  });
});
