/**
 * The parsed-certificate cache (relay and gateway parse the peer certificate on every stream):
 * the same bytes give the same parse, a reused input buffer cannot change what was cached,
 * malformed input is refused every time, and the cache stays bounded.
 */
import { describe, it, expect, beforeAll } from '@jest/globals';

import { CertificateError } from '../src/certificate-error.ts';
import {
  issueGatewayPlatformClientCertificate,
  parseCertificateDer,
  readBurrowExtensions,
} from '../src/x509/index.ts';
import {
  PARSED_CERTIFICATE_CACHE_SIZE,
  parsedCertificateCacheSize,
} from '../src/x509/parsed-certificate-cache.ts';
import { createTestPki, type TestPki } from './support/x509-test-pki.ts';

let pki: TestPki;

async function clientDer(gatewayId: string): Promise<Buffer> {
  const issued = await issueGatewayPlatformClientCertificate({
    issuer: pki.clientCa,
    orgId: 'org-1',
    gatewayId,
    targetHost: 'db.internal',
    targetPort: 5432,
  });
  return Buffer.from(issued.certificate.rawData);
}

beforeAll(async () => {
  pki = await createTestPki('ecdsa-p256');
});

describe('parsed-certificate cache', () => {
  it('the same bytes (even in another buffer) give the same parsed certificate', async () => {
    const der = await clientDer('gw-same');
    const first = parseCertificateDer(der);
    const second = parseCertificateDer(Buffer.from(der));
    expect(second).toBe(first);
    expect(readBurrowExtensions(Buffer.from(der)).routing?.targetHost).toBe('db.internal');
  });

  it('different bytes give different certificates', async () => {
    const a = parseCertificateDer(await clientDer('gw-a'));
    const b = parseCertificateDer(await clientDer('gw-b'));
    expect(a).not.toBe(b);
    expect(a.serialNumber).not.toBe(b.serialNumber);
  });

  it('reusing the input buffer afterwards does not change what was cached', async () => {
    const der = await clientDer('gw-reused');
    const buffer = Buffer.from(der);
    const parsed = parseCertificateDer(buffer);
    const serial = parsed.serialNumber;
    buffer.fill(0); // a pooled socket buffer, overwritten by the next read
    expect(parsed.serialNumber).toBe(serial);
    expect(Buffer.from(parsed.rawData).equals(der)).toBe(true);
    expect(parseCertificateDer(der)).toBe(parsed);
  });

  it('a certificate with one flipped byte is refused every time, never served from the cache', async () => {
    const der = await clientDer('gw-flip');
    parseCertificateDer(der);
    const broken = Buffer.from(der);
    // Framing stays valid; the parser and OpenSSL must judge these bytes, not the cache.
    broken[broken.length - 5] = 0x00;
    broken[10] = 0xff;
    for (let attempt = 0; attempt < 2; attempt++) {
      expect(() => parseCertificateDer(broken)).toThrow(CertificateError);
    }
  });

  it(`holds at most ${PARSED_CERTIFICATE_CACHE_SIZE} certificates`, async () => {
    const der = await clientDer('gw-bound');
    for (let i = 0; i < PARSED_CERTIFICATE_CACHE_SIZE + 20; i++) {
      parseCertificateDer(await clientDer(`gw-${i}`));
    }
    expect(parsedCertificateCacheSize()).toBe(PARSED_CERTIFICATE_CACHE_SIZE);
    expect(parseCertificateDer(der).subjectName.getField('CN')).toEqual(['platform:gw-bound']);
  });
});
