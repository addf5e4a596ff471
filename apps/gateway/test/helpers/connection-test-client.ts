/**
 * The platform's side of `infisical-connection-test`: one inner TLS stream (through a channel
 * pair), one `POST /v1/test-connection` written with node's http client on it, the answer parsed.
 */
import http from 'node:http';
import { ALPN, CONNECTION_TEST_PATH } from '@burrow/tunnel-protocol';
import type { InnerTlsServer } from '../../src/tunnel/inner-tls-server.ts';
import { createChannelPair } from './channel-pair.ts';
import { connectCaller } from './inner-tls-client.ts';

export interface ConnectionTestAnswer {
  status: number;
  body: { result?: { ok: boolean }; error?: { message: string; kind?: string } };
}

export async function requestConnectionTest(
  server: InnerTlsServer,
  serverCertificateChain: string,
  certificate: { certificatePem: string; privateKeyPem: string },
  body: string | object,
): Promise<ConnectionTestAnswer> {
  const { channel, caller } = await createChannelPair();
  server.handleChannel(channel);
  const inner = connectCaller(caller, {
    serverCertificateChain,
    certificate,
    alpn: [ALPN.connectionTest],
  });
  await new Promise<void>((resolve, reject) => {
    inner.once('secureConnect', () => resolve());
    inner.once('error', reject);
  });
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request({
      createConnection: () => inner,
      method: 'POST',
      path: CONNECTION_TEST_PATH,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    });
    request.once('response', (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.once('end', () => {
        inner.destroy();
        resolve({
          status: response.statusCode ?? 0,
          body: JSON.parse(text) as ConnectionTestAnswer['body'],
        });
      });
    });
    request.once('error', (error) => {
      inner.destroy();
      reject(error);
    });
    request.end(payload);
  });
}
