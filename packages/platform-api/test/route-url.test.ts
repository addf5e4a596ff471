import { describe, expect, test } from '@jest/globals';
import * as browser from '../src/browser.ts';
import { fillPath, queryString } from '../src/route-url.ts';

describe('route URLs', () => {
  test('path parameters are filled URL-encoded; a missing one is named', () => {
    expect(fillPath('/api/v1/dynamic-secrets/:name/leases', { name: 'orders db/ro' })).toBe(
      '/api/v1/dynamic-secrets/orders%20db%2Fro/leases',
    );
    expect(fillPath('/api/v2/gateways', undefined)).toBe('/api/v2/gateways');
    expect(() => fillPath('/api/v2/gateways/:id/test-connection', {})).toThrow(
      '/api/v2/gateways/:id/test-connection: path parameter id is missing',
    );
    expect(() => fillPath('/api/v1/pam/sessions/:sessionId', { sessionId: '' })).toThrow(
      'path parameter sessionId is missing',
    );
  });

  test('the query string holds the defined values only', () => {
    expect(queryString({ limit: 200, eventType: undefined, organizationId: 'a&b' })).toBe(
      '?limit=200&organizationId=a%26b',
    );
    expect(queryString({ eventType: undefined })).toBe('');
    expect(queryString(undefined)).toBe('');
  });

  test('the browser entry carries no code but the path filler', () => {
    // Everything else it exports is a type: the console's bundle stays free of TypeBox and undici.
    expect(Object.keys(browser).sort()).toEqual(['fillPath', 'queryString']);
  });
});
