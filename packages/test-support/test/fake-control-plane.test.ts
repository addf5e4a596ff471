import { afterEach, describe, expect, it } from '@jest/globals';
import { PlatformClient, PlatformError, routes } from '@burrow/platform-api';
import {
  fakeAnswer,
  fakeRoute,
  startFakeControlPlane,
  type FakeControlPlane,
} from '../src/index.ts';

const SESSION_ID = '00000000-0000-4000-8000-00000000000a';
let fake: FakeControlPlane | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function clientOf(platform: FakeControlPlane): PlatformClient {
  return new PlatformClient({ apiUrl: platform.apiUrl, token: () => 't0ken', retries: 0 });
}

describe('startFakeControlPlane', () => {
  it('serves the routes it is given, with path parameters, and records every request', async () => {
    fake = await startFakeControlPlane([
      fakeRoute(routes.endPamSession, ({ params }) => ({
        session: { id: params.sessionId as string, status: 'ended' as const, endedAt: 'now' },
      })),
    ]);
    const answer = await clientOf(fake).call(routes.endPamSession, {
      params: { sessionId: SESSION_ID },
      body: { recordedEvents: 3 },
    });
    expect(answer.session.id).toBe(SESSION_ID);
    expect(fake.requests).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: `/api/v1/pam/sessions/${SESSION_ID}/end`,
        params: { sessionId: SESSION_ID },
        authorization: 'Bearer t0ken',
        body: { recordedEvents: 3 },
      }),
    ]);
  });

  it('answers 404 for a route it does not serve (another path, or another method)', async () => {
    fake = await startFakeControlPlane([fakeRoute(routes.listGateways, () => [])]);
    const client = clientOf(fake);
    await expect(client.call(routes.listRelays)).rejects.toMatchObject({
      status: 404,
      serverMessage: 'no route GET /api/v1/relays',
    });
    await expect(
      client.call(routes.deleteGateway, { params: { id: SESSION_ID } }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('a handler may answer any status with fakeAnswer', async () => {
    fake = await startFakeControlPlane([
      fakeRoute(routes.listGateways, () =>
        fakeAnswer(401, { message: 'access token is not valid' }),
      ),
    ]);
    const error = await clientOf(fake)
      .call(routes.listGateways)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformError);
    expect(error).toMatchObject({ status: 401, serverMessage: 'access token is not valid' });
  });

  it("a handler's answer that does not match the route's schema is a 500 and a recorded mistake", async () => {
    fake = await startFakeControlPlane([
      fakeRoute(
        routes.endPamSession,
        () => ({ session: { id: 'x', status: 'ended' } }) as never, // endedAt missing
      ),
    ]);
    await expect(
      clientOf(fake).call(routes.endPamSession, { params: { sessionId: SESSION_ID }, body: {} }),
    ).rejects.toMatchObject({ status: 500 });
    expect(fake.mistakes).toHaveLength(1);
    expect(fake.mistakes[0]).toMatch(
      /^POST \/api\/v1\/pam\/sessions\/:sessionId\/end: the fake's answer does not match the route's schema: /,
    );
  });

  it('a body that is not JSON is a 400', async () => {
    fake = await startFakeControlPlane([fakeRoute(routes.listGateways, () => [])]);
    const response = await fetch(`${fake.apiUrl}/v2/gateways`, { method: 'GET' });
    expect(response.status).toBe(200);
    const bad = await fetch(`${fake.apiUrl}/v2/gateways`, {
      method: 'POST',
      body: '{not json',
    });
    expect(bad.status).toBe(400);
  });

  it('answers a bytes route with the Buffer, as application/octet-stream', async () => {
    const key = Buffer.from(
      '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff',
      'hex',
    );
    fake = await startFakeControlPlane([fakeRoute(routes.gatewayPamSessionKey, () => key)]);
    expect(await clientOf(fake).call(routes.gatewayPamSessionKey)).toEqual(key);
    const response = await fetch(`${fake.apiUrl}/v2/gateways/pam-session-key`);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
  });

  it('records the query string', async () => {
    fake = await startFakeControlPlane([
      fakeRoute(routes.uploadPamSessionEvents, ({ query }) => ({
        acknowledgedEvents: Number(query.startOffset),
      })),
    ]);
    const answer = await clientOf(fake).call(routes.uploadPamSessionEvents, {
      params: { sessionId: SESSION_ID },
      query: { startOffset: 12 },
      body: [],
    });
    expect(answer).toEqual({ acknowledgedEvents: 12 });
    expect(fake.requests[0]).toMatchObject({
      path: `/api/v1/pam/sessions/${SESSION_ID}/event-batches?startOffset=12`,
      query: { startOffset: '12' },
    });
  });

  it('with tokens, lets in only those bearers on authenticated routes; the handler does not run', async () => {
    let handled = 0;
    fake = await startFakeControlPlane(
      [
        fakeRoute(routes.listGateways, () => {
          handled += 1;
          return [];
        }),
      ],
      { tokens: ['t0ken'] },
    );
    expect(await clientOf(fake).call(routes.listGateways)).toEqual([]);
    const stranger = new PlatformClient({ apiUrl: fake.apiUrl, token: () => 'other', retries: 0 });
    await expect(stranger.call(routes.listGateways)).rejects.toMatchObject({
      status: 401,
      serverMessage: 'access token is not valid',
    });
    expect(handled).toBe(1);
    expect(fake.requests).toHaveLength(2);
  });

  it('a fakeAnswer with a Buffer body sends those bytes: an answer that is not JSON', async () => {
    fake = await startFakeControlPlane([
      fakeRoute(routes.listGateways, () => fakeAnswer(200, Buffer.from('{"half'))),
    ]);
    const response = await fetch(`${fake.apiUrl}/v2/gateways`);
    expect(await response.text()).toBe('{"half');
    await expect(clientOf(fake).call(routes.listGateways)).rejects.toBeInstanceOf(PlatformError);
  });
});
