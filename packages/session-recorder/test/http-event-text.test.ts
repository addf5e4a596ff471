import { describe, expect, it } from '@jest/globals';
import { formatRecordedEvent } from '../src/recorded-event-text.ts';

describe('HTTP events in the text view', () => {
  it('shows request and response with headers, status, timing and a body preview', () => {
    const request = formatRecordedEvent(
      {
        timestamp: '2030-01-01T00:00:00.000Z',
        eventType: 'request',
        requestId: '7',
        method: 'GET',
        url: '/api/v1/namespaces/default/pods',
        headers: { Authorization: ['[MASKED]'], Accept: ['application/json'] },
        body: '',
      },
      3,
    );
    expect(request).toBe(
      [
        '[3] 2030-01-01T00:00:00.000Z  GET /api/v1/namespaces/default/pods  (request 7)',
        '    Authorization: [MASKED]',
        '    Accept: application/json',
      ].join('\n'),
    );
    const response = formatRecordedEvent(
      {
        timestamp: '2030-01-01T00:00:00.012Z',
        eventType: 'response',
        requestId: '7',
        status: 200,
        headers: {},
        body: Buffer.from('{"kind":"PodList"}').toString('base64'),
        bodyTruncated: true,
        elapsedMs: 12,
      },
      4,
    );
    expect(response).toBe(
      [
        '[4] 2030-01-01T00:00:00.012Z  ← 200  (request 7, 12 ms)',
        '    body (18 bytes shown, truncated): {"kind":"PodList"}',
      ].join('\n'),
    );
  });

  it('neutralises terminal escapes from a hostile target and summarises binary bodies', () => {
    const shown = formatRecordedEvent(
      {
        timestamp: '2030-01-01T00:00:00.000Z',
        eventType: 'response',
        requestId: '1',
        status: '200\u001b[2J',
        headers: { 'X-Evil': ['\u001b]0;pwned\u0007'] },
        body: Buffer.from([0, 1, 2, 255]).toString('base64'),
      },
      1,
    );
    expect(shown).not.toContain('\u001b');
    expect(shown).toContain('body: 4 bytes of binary data');
  });
});
