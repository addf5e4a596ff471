import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ControlPlaneError, createControlPlaneClient } from '../src/control-plane-client.ts';
import { parseRegistrationReply } from '../src/relay-registration.ts';

describe('control plane client', () => {
  let server: http.Server;
  let apiUrl: string;
  const seen: { url?: string; authorization?: string; userAgent?: string; body: string }[] = [];

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        seen.push({
          url: request.url,
          authorization: request.headers.authorization,
          userAgent: request.headers['user-agent'],
          body,
        });
        if (request.url?.endsWith('/ok')) {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end('{"fine":true}');
        } else if (request.url?.endsWith('/refused')) {
          response.writeHead(403, { 'content-type': 'application/json' });
          response.end('{"statusCode":403,"message":"identity may not register relays"}');
        } else {
          response.writeHead(502);
          response.end('<html>bad gateway</html>');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('posts JSON with the current bearer credential', async () => {
    let token = 'first';
    const client = createControlPlaneClient({ apiUrl, bearer: () => token });
    expect(await client.post('/v1/ok', { a: 1 })).toEqual({ fine: true });
    token = 'second';
    await client.post('/v1/ok', {});
    expect(seen.slice(-2)).toEqual([
      { url: '/api/v1/ok', authorization: 'Bearer first', userAgent: 'cli', body: '{"a":1}' },
      { url: '/api/v1/ok', authorization: 'Bearer second', userAgent: 'cli', body: '{}' },
    ]);
  });

  it("reports the status and the server's message, never the credential", async () => {
    const client = createControlPlaneClient({ apiUrl, bearer: () => 'secret-token' });
    const refused = client.post('/v1/refused', {});
    await expect(refused).rejects.toBeInstanceOf(ControlPlaneError);
    await expect(refused).rejects.toMatchObject({
      status: 403,
      message: expect.stringMatching(/answered 403: identity may not register relays$/),
    });
    await expect(client.post('/v1/other', {})).rejects.toThrow(/answered 502: <html>bad gateway/);
    const failures = await Promise.allSettled([client.post('/v1/refused', {})]);
    expect(JSON.stringify(failures)).not.toContain('secret-token');
  });

  it('reports an unreachable control plane', async () => {
    const client = createControlPlaneClient({
      apiUrl: 'http://127.0.0.1:1/api',
      bearer: () => 't',
    });
    await expect(client.post('/v1/x', {})).rejects.toThrow(
      /POST http:\/\/127.0.0.1:1\/api\/v1\/x failed/,
    );
  });
});

describe('parseRegistrationReply', () => {
  const good = {
    pki: { serverCertificate: 'c', serverPrivateKey: 'k', clientCertificateChain: 'ch' },
    ssh: { serverCertificate: 'sc', serverPrivateKey: 'sk', clientCAPublicKey: 'ca' },
  };
  it('takes a complete reply', () => {
    expect(parseRegistrationReply({ ...good, relayId: 'x' })).toEqual(good);
  });
  it('names the missing field', () => {
    expect(() =>
      parseRegistrationReply({ ...good, ssh: { ...good.ssh, clientCAPublicKey: '' } }),
    ).toThrow('relay registration reply has no ssh.clientCAPublicKey');
    expect(() => parseRegistrationReply(null)).toThrow(
      'relay registration reply has no pki.serverCertificate',
    );
  });
});
