import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  defineRoute,
  errorResponses,
  PlatformClient,
  PlatformError,
  routes,
} from '../src/index.ts';

/**
 * PlatformClient against a real HTTP server (fastify on 127.0.0.1, port chosen at run time).
 * Each test sets what the server answers; the server records what it received.
 */
type Handler = (request: FastifyRequest, reply: FastifyReply) => unknown;

interface Received {
  method: string;
  url: string;
  headers: FastifyRequest['headers'];
  body: unknown;
}

let server: FastifyInstance;
let apiUrl: string;
let received: Received[] = [];
let handler: Handler = () => ({});

beforeAll(async () => {
  server = Fastify({ logger: false });
  server.all('/*', async (request, reply) => {
    received.push({
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: request.body,
    });
    return handler(request, reply);
  });
  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  apiUrl = `${address}/api`;
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  received = [];
  handler = () => ({});
});

const registration = {
  relayId: 'r-1',
  pki: { serverCertificate: 'c', serverPrivateKey: 'k', clientCertificateChain: 'ch' },
  ssh: { serverCertificate: 'sc', serverPrivateKey: 'sk', clientCAPublicKey: 'ca' },
};

const getWidget = defineRoute({
  method: 'GET',
  path: '/api/v1/widgets/:widgetId',
  auth: 'identity',
  tags: ['test'],
  summary: 'a widget',
  params: Type.Object({ widgetId: Type.String() }),
  querystring: Type.Object({ verbose: Type.Optional(Type.Boolean()) }),
  response: { 200: Type.Object({ id: Type.String() }), ...errorResponses },
});

const publicPing = defineRoute({
  method: 'POST',
  path: '/api/v1/ping',
  auth: 'none',
  tags: ['test'],
  summary: 'ping',
  body: Type.Object({}),
  response: { 200: Type.Object({ pong: Type.Boolean() }) },
});

describe('PlatformClient', () => {
  test('sends the body, bearer token and user-agent; returns the checked answer', async () => {
    handler = () => registration;
    const client = new PlatformClient({ apiUrl, token: () => 'secret-token' });
    const answer = await client.call(routes.registerOrgRelay, {
      body: { host: 'relay.example.com', name: 'edge-1' },
    });
    expect(answer).toEqual(registration);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      method: 'POST',
      url: '/api/v1/relays/register-org-relay',
      body: { host: 'relay.example.com', name: 'edge-1' },
    });
    expect(received[0]?.headers.authorization).toBe('Bearer secret-token');
    expect(received[0]?.headers['user-agent']).toBe('cli');
    expect(received[0]?.headers['content-type']).toBe('application/json');
    expect(received[0]?.headers['x-burrow-agent-version']).toBeUndefined();
  });

  test('a program that gives its version sends it beside the reference user-agent', async () => {
    handler = () => registration;
    const client = new PlatformClient({ apiUrl, agentVersion: 'burrow-gateway/0.1.0' });
    await client.call(routes.registerOrgRelay, { body: { host: 'relay.example.com', name: 'e' } });
    expect(received[0]?.headers['x-burrow-agent-version']).toBe('burrow-gateway/0.1.0');
    expect(received[0]?.headers['user-agent']).toBe('cli');
  });

  test('a relay list with Burrow’s version and certificate expiry is read, and the reference’s without them', async () => {
    const referenceRelay = {
      id: 'r-1',
      orgId: null,
      identityId: null,
      name: 'edge-1',
      host: 'relay.example.com',
      sshPort: 2222,
      tlsPort: 8443,
      heartbeat: null,
      healthAlertedAt: null,
      createdAt: '2026-12-01T00:00:00.000Z',
      updatedAt: '2026-12-01T00:00:00.000Z',
    };
    const burrowRelay = {
      ...referenceRelay,
      name: 'edge-2',
      version: 'burrow-relay/0.1.0',
      certificatesExpireAt: '2026-12-02T00:00:00.000Z',
    };
    handler = () => [referenceRelay, burrowRelay];
    const client = new PlatformClient({ apiUrl });
    expect(await client.call(routes.listRelays)).toEqual([referenceRelay, burrowRelay]);
    // The extension is typed: a version that is not a string is refused, not passed on.
    handler = () => [{ ...burrowRelay, version: 12 }];
    await expect(client.call(routes.listRelays)).rejects.toMatchObject({
      kind: 'invalid-response',
      message: expect.stringMatching(/^GET \/v1\/relays answered 200 .*\/0\/version must be/),
    });
  });

  test('extra headers a route needs are sent; they cannot replace the bearer token', async () => {
    handler = () => registration;
    const client = new PlatformClient({ apiUrl, token: () => 'secret-token' });
    await client.call(routes.registerOrgRelay, {
      body: { host: 'relay.example.com', name: 'edge-1' },
      headers: { 'x-gateway-upload-token': 'upload-1', authorization: 'Bearer forged' },
    });
    expect(received[0]?.headers['x-gateway-upload-token']).toBe('upload-1');
    expect(received[0]?.headers.authorization).toBe('Bearer secret-token');
  });

  test('custom headers (INFISICAL_CUSTOM_HEADERS) go on every request, login routes included', async () => {
    const client = new PlatformClient({
      apiUrl,
      token: () => 'secret-token',
      headers: { 'CF-Access-Client-Secret': 'proxy-secret', 'X-Org': 'acme' },
    });
    handler = () => registration;
    await client.call(routes.registerOrgRelay, { body: { host: 'h', name: 'n' } });
    handler = () => ({ pong: true });
    await client.call(publicPing); // auth: none, like a login route
    expect(received).toHaveLength(2);
    for (const request of received) {
      expect(request.headers['cf-access-client-secret']).toBe('proxy-secret');
      expect(request.headers['x-org']).toBe('acme');
    }
    expect(received[0]?.headers.authorization).toBe('Bearer secret-token');
    expect(received[1]?.headers.authorization).toBeUndefined();
  });

  test('custom headers replace neither the bearer token nor the client’s own headers; a call’s headers replace them', async () => {
    handler = () => registration;
    const client = new PlatformClient({
      apiUrl,
      token: () => 'secret-token',
      headers: {
        Authorization: 'Bearer forged',
        'User-Agent': 'forged',
        'Content-Type': 'text/plain',
        'X-Gateway-Upload-Token': 'from-custom-headers',
      },
    });
    await client.call(routes.registerOrgRelay, {
      body: { host: 'h', name: 'n' },
      headers: { 'x-gateway-upload-token': 'from-the-call' },
    });
    expect(received[0]?.headers.authorization).toBe('Bearer secret-token');
    expect(received[0]?.headers['user-agent']).toBe('cli');
    expect(received[0]?.headers['content-type']).toBe('application/json');
    expect(received[0]?.headers['x-gateway-upload-token']).toBe('from-the-call');
  });

  test('a refused call never quotes a custom header in its error', async () => {
    handler = (_request, reply) => reply.code(403).send({ message: 'no' });
    const client = new PlatformClient({
      apiUrl,
      token: () => 't',
      headers: { 'CF-Access-Client-Secret': 'proxy-secret' },
    });
    const error = (await client.call(publicPing).catch((e: unknown) => e)) as PlatformError;
    expect(error).toBeInstanceOf(PlatformError);
    expect(JSON.stringify({ ...error, message: error.message, stack: error.stack })).not.toContain(
      'proxy-secret',
    );
  });

  test('fills path parameters (encoded) and the query string', async () => {
    handler = () => ({ id: 'a/b' });
    const client = new PlatformClient({ apiUrl, token: () => 't' });
    const answer = await client.call(getWidget, {
      params: { widgetId: 'a/b' },
      query: { verbose: true },
    });
    expect(answer.id).toBe('a/b');
    expect(received[0]?.url).toBe('/api/v1/widgets/a%2Fb?verbose=true');
  });

  test('routes without auth carry no authorization header', async () => {
    handler = () => ({ pong: true });
    let asked = 0;
    const client = new PlatformClient({ apiUrl: `${apiUrl}/`, token: () => `t${++asked}` });
    await client.call(publicPing);
    expect(received[0]?.headers.authorization).toBeUndefined();
    expect(received[0]?.body).toEqual({});
    expect(asked).toBe(0);
  });

  test('asks the token supplier before every request (a renewed token is used at once)', async () => {
    handler = () => ({ id: 'w' });
    const tokens = ['first', 'second'];
    const client = new PlatformClient({ apiUrl, token: async () => tokens.shift() });
    await client.call(getWidget, { params: { widgetId: 'w' }, query: {} });
    await client.call(getWidget, { params: { widgetId: 'w' }, query: {} });
    expect(received.map((r) => r.headers.authorization)).toEqual(['Bearer first', 'Bearer second']);
  });

  test('a token supplier that fails fails the call with its own error, before any request', async () => {
    const client = new PlatformClient({
      apiUrl,
      token: () => {
        throw new Error('not logged in');
      },
    });
    await expect(client.call(routes.listGateways)).rejects.toThrow(/^not logged in$/);
    expect(received).toHaveLength(0);
  });

  test('a 4xx is a PlatformError with the status and the server’s message, never the token', async () => {
    handler = (_request, reply) =>
      reply.code(403).send({
        reqId: 'req-1',
        statusCode: 403,
        error: 'Forbidden',
        message: 'identity may not register relays',
      });
    const client = new PlatformClient({ apiUrl, token: () => 'very-secret-token' });
    const error = await client
      .call(routes.registerOrgRelay, { body: { host: 'h', name: 'n' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformError);
    const platformError = error as PlatformError;
    expect(platformError).toMatchObject({
      kind: 'http',
      status: 403,
      method: 'POST',
      path: '/v1/relays/register-org-relay',
      serverMessage: 'identity may not register relays',
      isClientError: true,
    });
    expect(platformError.message).toBe(
      'POST /v1/relays/register-org-relay answered 403: identity may not register relays',
    );
    expect(JSON.stringify({ ...platformError, message: platformError.message })).not.toContain(
      'very-secret-token',
    );
    expect(received).toHaveLength(1);
  });

  test('a non-JSON error body is quoted as text', async () => {
    handler = (_request, reply) =>
      reply.code(502).type('text/html').send('<html>bad gateway</html>');
    const client = new PlatformClient({ apiUrl, token: () => 't' });
    await expect(client.call(publicPing)).rejects.toThrow(
      'POST /v1/ping answered 502: <html>bad gateway</html>',
    );
  });

  test('a deadline ends a call the server never answers', async () => {
    handler = () => new Promise(() => {}); // never answers
    const client = new PlatformClient({ apiUrl, token: () => 't', timeoutMs: 300 });
    const started = Date.now();
    const error = (await client.call(publicPing).catch((e: unknown) => e)) as PlatformError;
    expect(error).toBeInstanceOf(PlatformError);
    expect(error.kind).toBe('timeout');
    expect(error.status).toBeUndefined();
    expect(error.message).toBe('POST /v1/ping: the control plane did not answer within 300 ms');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test('a GET is retried after a 5xx, a POST is not', async () => {
    let calls = 0;
    handler = (_request, reply) =>
      ++calls === 1 ? reply.code(503).send({ message: 'starting up' }) : { id: 'w', pong: true };
    const client = new PlatformClient({ apiUrl, token: () => 't', retryDelayMs: 10 });
    await expect(client.call(getWidget, { params: { widgetId: 'w' }, query: {} })).resolves.toEqual(
      { id: 'w', pong: true },
    );
    expect(received.map((r) => r.method)).toEqual(['GET', 'GET']);

    calls = 0;
    received = [];
    const error = (await client.call(publicPing).catch((e: unknown) => e)) as PlatformError;
    expect(error).toMatchObject({ kind: 'http', status: 503, serverMessage: 'starting up' });
    expect(received.map((r) => r.method)).toEqual(['POST']);
  });

  test('a GET is retried when the connection drops, at most `retries` times', async () => {
    handler = (request) => {
      request.raw.socket.destroy();
      return new Promise(() => {});
    };
    const client = new PlatformClient({ apiUrl, token: () => 't', retries: 2, retryDelayMs: 10 });
    const error = (await client
      .call(getWidget, { params: { widgetId: 'w' }, query: {} })
      .catch((e: unknown) => e)) as PlatformError;
    expect(error).toBeInstanceOf(PlatformError);
    expect(error.kind).toBe('unreachable');
    expect(error.message).toMatch(
      /^GET \/v1\/widgets\/w: cannot reach the control plane at http:\/\/127\.0\.0\.1:\d+: /,
    );
    expect(received).toHaveLength(3);

    received = [];
    await expect(client.call(publicPing)).rejects.toMatchObject({ kind: 'unreachable' });
    expect(received).toHaveLength(1);
  });

  test('an answer that does not match the route’s schema is a PlatformError naming the path', async () => {
    handler = () => ({ ...registration, relayId: 42 });
    const client = new PlatformClient({ apiUrl, token: () => 't' });
    const error = (await client
      .call(routes.registerOrgRelay, { body: { host: 'h', name: 'n' } })
      .catch((e: unknown) => e)) as PlatformError;
    expect(error).toBeInstanceOf(PlatformError);
    expect(error.kind).toBe('invalid-response');
    expect(error.status).toBe(200);
    expect(error.message).toBe(
      'POST /v1/relays/register-org-relay answered 200 with a body that does not match its schema: /relayId must be string',
    );
  });

  test('a 2xx that is not JSON is a PlatformError', async () => {
    handler = (_request, reply) => reply.type('text/plain').send('hello');
    const client = new PlatformClient({ apiUrl, token: () => 't' });
    const error = (await client.call(publicPing).catch((e: unknown) => e)) as PlatformError;
    expect(error.kind).toBe('invalid-response');
    expect(error.message).toBe(
      'POST /v1/ping answered 200 with a body that is not JSON (text/plain)',
    );
  });

  test('byte routes return the raw answer', async () => {
    const key = Buffer.alloc(32, 7);
    handler = (_request, reply) => reply.type('application/octet-stream').send(key);
    const client = new PlatformClient({ apiUrl, token: () => 't' });
    const answer = await client.call(routes.gatewayPamSessionKey);
    expect(Buffer.isBuffer(answer)).toBe(true);
    expect(answer.equals(key)).toBe(true);
    expect(received[0]?.url).toBe('/api/v2/gateways/pam-session-key');
  });

  test('an unreachable control plane fails fast with the reason', async () => {
    const closed = Fastify();
    const address = await closed.listen({ host: '127.0.0.1', port: 0 });
    await closed.close();
    const client = new PlatformClient({ apiUrl: `${address}/api`, token: () => 't', retries: 0 });
    const error = (await client.call(publicPing).catch((e: unknown) => e)) as PlatformError;
    expect(error.kind).toBe('unreachable');
    expect(error.message).toContain('ECONNREFUSED');
  });
});
