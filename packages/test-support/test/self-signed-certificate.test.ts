import { createPrivateKey, X509Certificate } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { createSelfSignedCertificate } from '../src/index.ts';

describe('createSelfSignedCertificate', () => {
  it('makes a certificate for 127.0.0.1 that a client pinning it as CA accepts', async () => {
    const { certificatePem, privateKeyPem } = await createSelfSignedCertificate('loopback-test');
    const certificate = new X509Certificate(certificatePem);
    expect(certificate.subject).toBe('CN=loopback-test');
    expect(certificate.subjectAltName).toBe('IP Address:127.0.0.1');
    expect(certificate.ca).toBe(true);
    expect(certificate.checkPrivateKey(createPrivateKey(privateKeyPem))).toBe(true);

    const server = https.createServer({ cert: certificatePem, key: privateKeyPem }, (_, response) =>
      response.end('pinned'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const get = (ca?: string): Promise<string> =>
      new Promise((resolve, reject) => {
        https
          .get(
            { host: '127.0.0.1', port, path: '/', ...(ca ? { ca } : {}), agent: false },
            (response) => {
              let body = '';
              response.on('data', (chunk: Buffer) => (body += chunk.toString()));
              response.on('end', () => resolve(body));
            },
          )
          .on('error', reject);
      });
    try {
      expect(await get(certificatePem)).toBe('pinned');
      await expect(get()).rejects.toThrow(/self-signed certificate/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
