import http from 'node:http';
import type net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AuthError,
  isPrivateAddress,
  providerRequest,
  setProviderAddressPolicy,
} from '../src/server/index.ts';

let server: http.Server;
let port: number;

beforeAll(async () => {
  server = http.createServer((_request, response) => response.end('{"ok":true}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => setProviderAddressPolicy({ refusePrivateAddresses: false }));

describe('BURROW_REFUSE_PRIVATE_IDP_ADDRESSES (provider address policy)', () => {
  it('knows the private ranges', () => {
    for (const address of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:10.0.0.1',
    ]) {
      expect({ address, private: isPrivateAddress(address) }).toEqual({ address, private: true });
    }
    for (const address of ['8.8.8.8', '52.94.0.1', '2600:1f18::1', '::ffff:8.8.8.8']) {
      expect({ address, private: isPrivateAddress(address) }).toEqual({ address, private: false });
    }
  });

  it('admin-set URLs are trusted by default: a loopback provider is asked', async () => {
    const answer = await providerRequest('the JWKS', `http://127.0.0.1:${port}/jwks`);
    expect(answer).toMatchObject({ status: 200, body: '{"ok":true}' });
  });

  it('when set, refuses a private literal address and a name that resolves to one, before connecting', async () => {
    setProviderAddressPolicy({ refusePrivateAddresses: true });
    let connections = 0;
    const count = () => connections++;
    server.on('connection', count);
    try {
      for (const url of [`http://127.0.0.1:${port}/jwks`, `http://localhost:${port}/jwks`]) {
        const error = await providerRequest('the JWKS', url).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(AuthError);
        expect((error as AuthError).code).toBe('PROVIDER_UNAVAILABLE');
        expect((error as AuthError).message).toMatch(
          /private address \((127\.0\.0\.1|::1)\), refused by BURROW_REFUSE_PRIVATE_IDP_ADDRESSES/,
        );
      }
      expect(connections).toBe(0);
    } finally {
      server.off('connection', count);
    }
  });
});
