import { describe, expect, it } from '@jest/globals';
import { HEARTBEAT_PROBE_GATEWAY_ID, routeCallerCommonName } from '../src/index.ts';

describe('routeCallerCommonName', () => {
  it('routes a gateway UUID', () => {
    expect(routeCallerCommonName('5B3E3A1C-0D2F-4A51-9C9B-0123456789AB')).toEqual({
      kind: 'gateway',
      gatewayId: '5b3e3a1c-0d2f-4a51-9c9b-0123456789ab',
    });
  });
  it('recognises the all-zero heartbeat probe', () => {
    expect(routeCallerCommonName(HEARTBEAT_PROBE_GATEWAY_ID)).toEqual({ kind: 'heartbeat' });
  });
  it('refuses anything else', () => {
    for (const cn of [undefined, '', 'platform:abc', '../etc', 'x'.repeat(36)]) {
      expect(routeCallerCommonName(cn)).toBeUndefined();
    }
  });
});
