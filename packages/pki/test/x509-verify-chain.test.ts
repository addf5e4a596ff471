/**
 * verifyChain: the reference's chain strings verify, and every way a chain can be wrong gives its
 * own typed error.
 */
import { describe, it, expect, beforeAll } from '@jest/globals';

import { CertificateError, type CertificateErrorCode } from '../src/certificate-error.ts';
import {
  MAX_CHAIN_CERTIFICATES,
  clientCertificateChainPem,
  createIntermediateCa,
  issueGatewayPlatformClientCertificate,
  issueGatewayServerCertificate,
  serverCertificateChainPem,
  verifyChain,
  type IssuedCertificate,
} from '../src/x509/index.ts';
import * as x509 from '../src/x509/peculiar-x509.ts';
import { asCertificateAuthority, craftCertificate } from './support/x509-crafted-certificate.ts';
import { createTestPki, type TestPki } from './support/x509-test-pki.ts';

function codeOf(fn: () => unknown): CertificateErrorCode | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof CertificateError) return error.code;
    throw error;
  }
  return undefined;
}

let pki: TestPki;
let server: IssuedCertificate;
let client: IssuedCertificate;
beforeAll(async () => {
  pki = await createTestPki('ecdsa-p256');
  server = await issueGatewayServerCertificate({
    issuer: pki.serverCa,
    orgId: 'org-1',
    gatewayId: 'gw-1',
  });
  client = await issueGatewayPlatformClientCertificate({
    issuer: pki.clientCa,
    orgId: 'org-1',
    gatewayId: 'gw-1',
    targetHost: 'db.internal',
    targetPort: 5432,
  });
});

describe('verifyChain', () => {
  it('accepts the reference chain strings (CA + root) and every input form', () => {
    const chainPem = serverCertificateChainPem(pki.serverCa);
    expect(chainPem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    const { path } = verifyChain(server.certificatePem, chainPem, pki.root.certificatePem);
    expect(path.map((c) => c.subject)).toEqual([
      server.certificate.subject,
      pki.serverCa.certificate.subject,
      pki.root.certificate.subject,
    ]);
    const der = Buffer.from(client.certificate.rawData);
    expect(
      verifyChain(
        der,
        [pki.clientCa.certificate],
        Buffer.from(pki.root.certificate.rawData),
        new Date(),
        {
          requiredUsage: 'clientAuth',
        },
      ).path,
    ).toHaveLength(3);
    expect(
      verifyChain(client.certificate, clientCertificateChainPem(pki.clientCa), pki.root.certificate)
        .path,
    ).toHaveLength(3);
  });

  it('WRONG_CA: a leaf of another root with the same names, or a missing intermediate', async () => {
    const other = await createTestPki('ecdsa-p256');
    const foreign = await issueGatewayServerCertificate({
      issuer: other.serverCa,
      orgId: 'org-1',
      gatewayId: 'gw-1',
    });
    expect(
      codeOf(() =>
        verifyChain(
          foreign.certificatePem,
          serverCertificateChainPem(pki.serverCa),
          pki.root.certificatePem,
        ),
      ),
    ).toBe('WRONG_CA');
    // Even when the attacker supplies their own intermediate: trust rests on the root's key.
    expect(
      codeOf(() =>
        verifyChain(
          foreign.certificatePem,
          serverCertificateChainPem(other.serverCa),
          pki.root.certificatePem,
        ),
      ),
    ).toBe('WRONG_CA');
    expect(codeOf(() => verifyChain(server.certificatePem, [], pki.root.certificatePem))).toBe(
      'WRONG_CA',
    );
    // The client CA (same root) did not issue the server certificate.
    expect(
      codeOf(() =>
        verifyChain(
          server.certificatePem,
          clientCertificateChainPem(pki.clientCa),
          pki.root.certificatePem,
        ),
      ),
    ).toBe('WRONG_CA');
  });

  it('BAD_SIGNATURE: a certificate whose routing target was edited', () => {
    const der = Buffer.from(client.certificate.rawData);
    const at = der.indexOf('db.internal');
    expect(at).toBeGreaterThan(0);
    const tampered = Buffer.from(der);
    tampered.write('db.externa', at);
    expect(
      codeOf(() => verifyChain(tampered, [pki.clientCa.certificate], pki.root.certificate)),
    ).toBe('BAD_SIGNATURE');
  });

  it('EXPIRED / NOT_YET_VALID at the edges of the leaf validity', () => {
    const { notBefore, notAfter } = client.certificate;
    const chain = [pki.clientCa.certificate];
    const root = pki.root.certificate;
    expect(verifyChain(client.certificate, chain, root, notBefore).path).toHaveLength(3);
    expect(verifyChain(client.certificate, chain, root, notAfter).path).toHaveLength(3);
    expect(
      codeOf(() => verifyChain(client.certificate, chain, root, new Date(notAfter.getTime() + 1))),
    ).toBe('EXPIRED');
    expect(
      codeOf(() => verifyChain(client.certificate, chain, root, new Date(notBefore.getTime() - 1))),
    ).toBe('NOT_YET_VALID');
  });

  it('EXPIRED when an intermediate has expired, even if the leaf has not', async () => {
    const oldCa = await createIntermediateCa({
      issuer: pki.root,
      subject: { CN: 'Old CA' },
      pathLength: 0,
      now: new Date('2020-01-01T00:00:00Z'),
      notAfter: new Date('2021-01-01T00:00:00Z'),
    });
    const leaf = await issueGatewayServerCertificate({
      issuer: oldCa,
      orgId: 'org-1',
      gatewayId: 'gw-1',
    });
    expect(
      codeOf(() => verifyChain(leaf.certificate, [oldCa.certificate], pki.root.certificate)),
    ).toBe('EXPIRED');
  });

  it('WRONG_CA: a leaf used as a CA, or a path length constraint exceeded', async () => {
    const byLeaf = await craftCertificate({
      issuer: asCertificateAuthority(server, [pki.serverCa.certificate, pki.root.certificate]),
      extensions: [],
    });
    expect(
      codeOf(() =>
        verifyChain(
          byLeaf.certificate,
          [server.certificate, pki.serverCa.certificate],
          pki.root.certificate,
        ),
      ),
    ).toBe('WRONG_CA');

    const tooDeep = await craftCertificate({
      issuer: pki.serverCa, // pathLen 0: may not have a CA below it
      subject: { CN: 'Sneaky Sub CA' },
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
      ],
    });
    const belowTooDeep = await craftCertificate({
      issuer: asCertificateAuthority(tooDeep, [pki.serverCa.certificate, pki.root.certificate]),
      extensions: [],
    });
    expect(
      codeOf(() =>
        verifyChain(
          belowTooDeep.certificate,
          [tooDeep.certificate, pki.serverCa.certificate],
          pki.root.certificate,
        ),
      ),
    ).toBe('WRONG_CA');
    // A trusted "root" that is not a CA certificate.
    expect(codeOf(() => verifyChain(byLeaf.certificate, [], server.certificate))).toBe('WRONG_CA');
  });

  it('WRONG_CERT_TYPE: a CA as the leaf, or the wrong extended key usage', () => {
    expect(codeOf(() => verifyChain(pki.serverCa.certificate, [], pki.root.certificate))).toBe(
      'WRONG_CERT_TYPE',
    );
    expect(
      codeOf(() =>
        verifyChain(
          client.certificate,
          [pki.clientCa.certificate],
          pki.root.certificate,
          new Date(),
          {
            requiredUsage: 'serverAuth',
          },
        ),
      ),
    ).toBe('WRONG_CERT_TYPE');
  });

  it('UNKNOWN_CRITICAL_OPTION: a critical extension nobody understands', async () => {
    const crafted = await craftCertificate({
      issuer: pki.clientCa,
      extensions: [new x509.Extension('1.3.6.1.4.1.99999.1', true, Buffer.from([0x05, 0x00]))],
    });
    expect(
      codeOf(() =>
        verifyChain(crafted.certificate, [pki.clientCa.certificate], pki.root.certificate),
      ),
    ).toBe('UNKNOWN_CRITICAL_OPTION');
  });

  it('MALFORMED: garbage leaf, chain or root; oversized chain', () => {
    const chain = [pki.serverCa.certificate];
    expect(codeOf(() => verifyChain(Buffer.from('garbage'), chain, pki.root.certificate))).toBe(
      'MALFORMED',
    );
    expect(codeOf(() => verifyChain(server.certificate, 'garbage', pki.root.certificate))).toBe(
      'MALFORMED',
    );
    expect(
      codeOf(() => verifyChain(server.certificate, chain, '-----BEGIN CERTIFICATE-----\n')),
    ).toBe('MALFORMED');
    const many = Array.from({ length: MAX_CHAIN_CERTIFICATES + 1 }, () => pki.serverCa.certificate);
    expect(codeOf(() => verifyChain(server.certificate, many, pki.root.certificate))).toBe(
      'MALFORMED',
    );
    expect(
      codeOf(() =>
        verifyChain(server.certificate, chain, pki.root.certificate, new Date(Number.NaN)),
      ),
    ).toBe('INVALID_ARGUMENT');
  });
});
