/**
 * The CA and leaf profiles of reference §2.1/§2.2, checked field by field — through our own parser
 * and through `openssl x509 -text -noout`, the independent judge.
 */
import { describe, it, expect, beforeAll } from '@jest/globals';
import { X509Certificate as NodeX509Certificate } from 'node:crypto';

import { CertificateError } from '../src/certificate-error.ts';
import {
  CA_DEFAULT_NOT_AFTER,
  CLOCK_SKEW_ALLOWANCE_MS,
  GATEWAY_CLIENT_CERT_LIFETIME_MS,
  GATEWAY_IDENTITY_URI_PREFIX,
  GATEWAY_SERVER_CERT_LIFETIME_MS,
  RELAY_CLIENT_CERT_LIFETIME_MS,
  RELAY_SERVER_CERT_LIFETIME_MS,
  createIntermediateCa,
  createRootCa,
  importCertificateAuthority,
  exportPrivateKeyPem,
  gatewayIdentityUri,
  issueGatewayPamClientCertificate,
  issueGatewayPlatformClientCertificate,
  issueGatewayServerCertificate,
  issueRelayClientCertificate,
  issueRelayServerCertificate,
  leafKeyUsageFlags,
  readBurrowExtensions,
  readGatewayIdentities,
  type IssuedCertificate,
  type X509Certificate,
} from '../src/x509/index.ts';
import * as x509 from '../src/x509/peculiar-x509.ts';
import { opensslText } from './support/x509-openssl.ts';
import { createTestPki, type TestPki } from './support/x509-test-pki.ts';

const NOW = new Date('2030-03-01T12:00:00Z');
const ORG = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const GATEWAY = 'a3bb189e-8bf9-3888-9912-ace4e6543002';

function subjectRdns(cert: X509Certificate): string[] {
  return cert.subjectName.toJSON().map((rdn) =>
    Object.entries(rdn)
      .map(([k, v]) => `${k}=${v.join('+')}`)
      .join('+'),
  );
}

function keyUsage(cert: X509Certificate): x509.KeyUsagesExtension {
  const ext = cert.getExtension(x509.KeyUsagesExtension);
  if (!ext) throw new Error('no keyUsage');
  return ext;
}

async function rejection(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CertificateError) return error.code;
    throw error;
  }
  return undefined;
}

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki('ecdsa-p256', ORG);
});

describe('CAs', () => {
  it('root: self-signed, CA critical without path length, keyCertSign|cRLSign, valid until 2045', async () => {
    const root = await createRootCa({
      subject: { O: 'Infisical', CN: 'Infisical Instance Root Relay CA' },
      now: NOW,
    });
    const cert = root.certificate;
    expect(subjectRdns(cert)).toEqual(['O=Infisical', 'CN=Infisical Instance Root Relay CA']);
    expect(cert.issuer).toBe(cert.subject);
    expect(await cert.isSelfSigned()).toBe(true);
    expect(cert.notAfter.toISOString()).toBe(CA_DEFAULT_NOT_AFTER.toISOString());
    expect(cert.notAfter.getUTCFullYear()).toBe(2045);
    expect(cert.notBefore.getTime()).toBe(NOW.getTime() - CLOCK_SKEW_ALLOWANCE_MS);
    const bc = cert.getExtension(x509.BasicConstraintsExtension);
    expect(bc).toMatchObject({ ca: true, critical: true });
    expect(bc?.pathLength).toBeUndefined();
    expect(keyUsage(cert).usages).toBe(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    expect(root.issuerCertificates).toEqual([]);

    const text = await opensslText(root.certificatePem);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE\s/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(text).toContain('Not After : Jan  1 00:00:00 2045 GMT');
  });

  it('intermediate: path length shown by openssl, AKI = issuer SKI, parents recorded', async () => {
    const orgRelayCa = await createIntermediateCa({
      issuer: pki.root,
      subject: { CN: 'Infisical Organization Relay CA' },
      pathLength: 2,
    });
    const text = await opensslText(orgRelayCa.certificatePem);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:2/);
    expect(await opensslText(pki.serverCa.certificatePem)).toMatch(/CA:TRUE, pathlen:0/);
    const aki = orgRelayCa.certificate.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId;
    expect(aki).toBe(pki.root.certificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId);
    expect(orgRelayCa.issuerCertificates).toEqual([pki.root.certificate]);
    expect(keyUsage(orgRelayCa.certificate).usages).toBe(
      x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
    );
  });

  it('refuses impossible path lengths', async () => {
    expect(
      await rejection(
        createIntermediateCa({
          issuer: pki.serverCa,
          subject: { CN: 'below pathlen 0' },
          pathLength: 0,
        }),
      ),
    ).toBe('INVALID_ARGUMENT');
    expect(
      await rejection(
        createIntermediateCa({ issuer: pki.root, subject: { CN: 'x' }, pathLength: -1 }),
      ),
    ).toBe('INVALID_ARGUMENT');
  });

  it('round-trips through PEM storage', async () => {
    const stored = {
      certificatePem: pki.serverCa.certificatePem,
      privateKeyPem: exportPrivateKeyPem(pki.serverCa.keyPair),
      issuerCertificatesPem: pki.root.certificatePem,
    };
    const ca = importCertificateAuthority(stored);
    expect(ca.certificatePem).toBe(pki.serverCa.certificatePem);
    expect(ca.issuerCertificates.map((c) => c.subject)).toEqual([pki.root.certificate.subject]);
    const leaf = await issueGatewayServerCertificate({ issuer: ca, orgId: ORG, gatewayId: 'gw-1' });
    expect(leaf.certificate.issuer).toBe(pki.serverCa.certificate.subject);

    const otherKey = exportPrivateKeyPem(pki.clientCa.keyPair);
    expect(() => importCertificateAuthority({ ...stored, privateKeyPem: otherKey })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() =>
      importCertificateAuthority({
        certificatePem: leaf.certificatePem,
        privateKeyPem: leaf.privateKeyPem,
      }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('leaf profiles (reference §2.2)', () => {
  function expectLifetime(cert: X509Certificate, lifetimeMs: number): void {
    expect(cert.notBefore.getTime()).toBe(NOW.getTime() - CLOCK_SKEW_ALLOWANCE_MS);
    expect(cert.notAfter.getTime()).toBe(NOW.getTime() + lifetimeMs);
  }

  function expectCommon(issued: IssuedCertificate, issuer: X509Certificate): void {
    const cert = issued.certificate;
    expect(cert.issuer).toBe(issuer.subject);
    expect(cert.getExtension(x509.BasicConstraintsExtension)).toMatchObject({
      ca: false,
      critical: true,
    });
    // Serial: 16 bytes, positive.
    expect(cert.serialNumber).toMatch(/^[0-7][0-9a-f]{31}$/);
    expect(new NodeX509Certificate(issued.certificatePem).serialNumber).toMatch(
      /^[0-7][0-9A-F]{31}$/,
    );
    expect(issued.privateKeyPem).toContain('-----BEGIN PRIVATE KEY-----');
  }

  it('relay TLS server: CN=<host>,O,OU=Relay; 1 day; serverAuth; SAN ip or dns; anyPolicy', async () => {
    const byIp = await issueRelayServerCertificate({
      issuer: pki.serverCa,
      host: '203.0.113.7',
      now: NOW,
    });
    expectCommon(byIp, pki.serverCa.certificate);
    expect(subjectRdns(byIp.certificate)).toEqual(['CN=203.0.113.7', 'O=Infisical', 'OU=Relay']);
    expectLifetime(byIp.certificate, RELAY_SERVER_CERT_LIFETIME_MS);
    expect(RELAY_SERVER_CERT_LIFETIME_MS).toBe(86_400_000);
    expect(keyUsage(byIp.certificate).usages).toBe(x509.KeyUsageFlags.digitalSignature);
    expect(readBurrowExtensions(byIp.certificate)).toEqual({});

    const text = await opensslText(byIp.certificatePem);
    expect(text).toContain('Subject: CN = 203.0.113.7, O = Infisical, OU = Relay');
    expect(text).toMatch(/X509v3 Subject Alternative Name: \s*\n\s*IP Address:203\.0\.113\.7\n/);
    expect(text).toMatch(/X509v3 Extended Key Usage: \s*\n\s*TLS Web Server Authentication\n/);
    expect(text).toMatch(/X509v3 Certificate Policies: \s*\n\s*Policy: X509v3 Any Policy/);

    const byName = await issueRelayServerCertificate({
      issuer: pki.serverCa,
      host: 'relay.example.com',
      organization: ORG,
      keyAlgorithm: 'rsa-2048',
      now: NOW,
    });
    expect(subjectRdns(byName.certificate)).toEqual([
      'CN=relay.example.com',
      `O=${ORG}`,
      'OU=Relay',
    ]);
    const rsaText = await opensslText(byName.certificatePem);
    expect(rsaText).toMatch(/X509v3 Subject Alternative Name: \s*\n\s*DNS:relay\.example\.com\n/);
    expect(rsaText).toMatch(
      /X509v3 Key Usage: critical\s*\n\s*Digital Signature, Key Encipherment\n/,
    );

    for (const host of ['relay.example.com:8443', 'https://relay', '', 'a b']) {
      expect(await rejection(issueRelayServerCertificate({ issuer: pki.serverCa, host }))).toBe(
        'INVALID_ARGUMENT',
      );
    }
  });

  it('relay client: O=<orgName>-<orgId>,OU=relay-client,CN=<gatewayId>; 5 min; clientAuth; …100.3 {"name"}', async () => {
    const issued = await issueRelayClientCertificate({
      issuer: pki.clientCa,
      orgId: ORG,
      orgName: 'Acme, Inc.',
      gatewayId: GATEWAY,
      gatewayName: 'gw-eu-1',
      keyAlgorithm: 'rsa-2048',
      now: NOW,
    });
    expectCommon(issued, pki.clientCa.certificate);
    // A comma in the org name stays inside the one O attribute.
    expect(subjectRdns(issued.certificate)).toEqual([
      `O=Acme, Inc.-${ORG}`,
      'OU=relay-client',
      `CN=${GATEWAY}`,
    ]);
    expectLifetime(issued.certificate, RELAY_CLIENT_CERT_LIFETIME_MS);
    expect(RELAY_CLIENT_CERT_LIFETIME_MS).toBe(300_000);
    const { digitalSignature, keyEncipherment, keyAgreement } = x509.KeyUsageFlags;
    expect(keyUsage(issued.certificate).usages).toBe(
      digitalSignature | keyEncipherment | keyAgreement,
    );
    expect(readBurrowExtensions(issued.certificatePem)).toEqual({
      relayClient: { name: 'gw-eu-1' },
    });
    const ext = issued.certificate.getExtension('1.3.6.1.4.1.12345.100.3');
    expect(ext?.critical).toBe(false);
    // Raw JSON bytes, not DER-wrapped.
    expect(Buffer.from(ext?.value ?? new ArrayBuffer(0)).toString('utf8')).toBe(
      '{"name":"gw-eu-1"}',
    );

    const text = await opensslText(issued.certificatePem);
    expect(text).toMatch(
      /X509v3 Key Usage: critical\s*\n\s*Digital Signature, Key Encipherment, Key Agreement\n/,
    );
    expect(text).toMatch(/X509v3 Extended Key Usage: \s*\n\s*TLS Web Client Authentication\n/);
    expect(text).toMatch(/1\.3\.6\.1\.4\.1\.12345\.100\.3: \s*\n\s*\{"name":"gw-eu-1"\}\n/);

    const heartbeat = await issueRelayClientCertificate({
      issuer: pki.clientCa,
      orgId: ORG,
      orgName: 'acme',
      gatewayId: '00000000-0000-0000-0000-000000000000',
      gatewayName: 'heartbeat',
      lifetimeMs: 60_000,
      now: NOW,
    });
    expectLifetime(heartbeat.certificate, 60_000);
  });

  it('gateway TLS server: O=<orgId>,CN=Gateway; 1 day; SAN localhost, 127.0.0.1, ::1 and URI urn:burrow:gateway:<gatewayId>', async () => {
    const issued = await issueGatewayServerCertificate({
      issuer: pki.serverCa,
      orgId: ORG,
      gatewayId: GATEWAY,
      now: NOW,
    });
    expectCommon(issued, pki.serverCa.certificate);
    expect(subjectRdns(issued.certificate)).toEqual([`O=${ORG}`, 'CN=Gateway']);
    expectLifetime(issued.certificate, GATEWAY_SERVER_CERT_LIFETIME_MS);
    const text = await opensslText(issued.certificatePem);
    expect(text).toContain(
      `X509v3 Subject Alternative Name: \n                DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, URI:urn:burrow:gateway:${GATEWAY}\n`,
    );
    expect(readGatewayIdentities(issued.certificatePem)).toEqual([GATEWAY]);
    expect(gatewayIdentityUri(GATEWAY)).toBe(`${GATEWAY_IDENTITY_URI_PREFIX}${GATEWAY}`);
    expect(text).toMatch(/X509v3 Extended Key Usage: \s*\n\s*TLS Web Server Authentication\n/);
  });

  it('gateway client for the platform: CN=platform:<gatewayId>; 5 min; …100.1 and …100.2 {"type":"platform"}', async () => {
    const issued = await issueGatewayPlatformClientCertificate({
      issuer: pki.clientCa,
      orgId: ORG,
      gatewayId: GATEWAY,
      targetHost: 'db.internal',
      targetPort: 5432,
      now: NOW,
    });
    expectCommon(issued, pki.clientCa.certificate);
    expect(subjectRdns(issued.certificate)).toEqual([
      `O=${ORG}`,
      'OU=gateway-client',
      `CN=platform:${GATEWAY}`,
    ]);
    expectLifetime(issued.certificate, GATEWAY_CLIENT_CERT_LIFETIME_MS);
    const { digitalSignature, keyAgreement } = x509.KeyUsageFlags;
    expect(keyUsage(issued.certificate).usages).toBe(digitalSignature | keyAgreement);
    expect(readBurrowExtensions(issued.certificate.rawData)).toEqual({
      routing: { targetHost: 'db.internal', targetPort: 5432 },
      actor: { type: 'platform' },
    });
    const text = await opensslText(issued.certificatePem);
    expect(text).toMatch(
      /1\.3\.6\.1\.4\.1\.12345\.100\.1: \s*\n\s*\{"targetHost":"db\.internal","targetPort":5432\}\n/,
    );
    expect(text).toMatch(/1\.3\.6\.1\.4\.1\.12345\.100\.2: \s*\n\s*\{"type":"platform"\}\n/);
    expect(text).toMatch(/X509v3 Extended Key Usage: \s*\n\s*TLS Web Client Authentication\n/);

    expect(
      await rejection(
        issueGatewayPlatformClientCertificate({
          issuer: pki.clientCa,
          orgId: ORG,
          gatewayId: GATEWAY,
          targetHost: 'db',
          targetPort: 65536,
        }),
      ),
    ).toBe('INVALID_ARGUMENT');
  });

  it('gateway client for a PAM user: CN=<actorType>:<gatewayId>; session duration; …100.1/.2/.3', async () => {
    const issued = await issueGatewayPamClientCertificate({
      issuer: pki.clientCa,
      orgId: ORG,
      gatewayId: GATEWAY,
      actor: { type: 'user', id: 'u-1', name: 'alice@example.com' },
      targetHost: 'db.internal',
      targetPort: 5432,
      sessionId: 's-42',
      resourceType: 'postgres',
      lifetimeMs: 2 * 60 * 60 * 1000,
      keyAlgorithm: 'ed25519',
      now: NOW,
    });
    expectCommon(issued, pki.clientCa.certificate);
    expect(subjectRdns(issued.certificate)).toEqual([
      `O=${ORG}`,
      'OU=gateway-client',
      `CN=user:${GATEWAY}`,
    ]);
    expectLifetime(issued.certificate, 2 * 60 * 60 * 1000);
    expect(keyUsage(issued.certificate).usages).toBe(x509.KeyUsageFlags.digitalSignature);
    expect(readBurrowExtensions(new NodeX509Certificate(issued.certificatePem))).toEqual({
      routing: { targetHost: 'db.internal', targetPort: 5432 },
      actor: { type: 'user', id: 'u-1', name: 'alice@example.com' },
      pamSession: { sessionId: 's-42', resourceType: 'postgres' },
    });
    const text = await opensslText(issued.certificatePem);
    expect(text).toMatch(
      /1\.3\.6\.1\.4\.1\.12345\.100\.2: \s*\n\s*\{"type":"user","id":"u-1","name":"alice@example\.com"\}\n/,
    );
    expect(text).toMatch(
      /1\.3\.6\.1\.4\.1\.12345\.100\.3: \s*\n\s*\{"sessionId":"s-42","resourceType":"postgres"\}\n/,
    );

    const portless = await issueGatewayPamClientCertificate({
      issuer: pki.clientCa,
      orgId: ORG,
      gatewayId: GATEWAY,
      actor: { type: 'user', id: 'u-1', name: 'alice' },
      targetHost: 'console',
      sessionId: 's-43',
      resourceType: 'aws-iam',
      now: NOW,
    });
    expectLifetime(portless.certificate, GATEWAY_CLIENT_CERT_LIFETIME_MS);
    expect(readBurrowExtensions(portless.certificate).routing).toEqual({
      targetHost: 'console',
      targetPort: 0,
    });
  });

  it('key usage bits per key type follow the reference for RSA and the key type otherwise', () => {
    const { digitalSignature: ds, keyEncipherment: ke, keyAgreement: ka } = x509.KeyUsageFlags;
    expect(leafKeyUsageFlags('server', 'rsa-2048')).toBe(ds | ke);
    expect(leafKeyUsageFlags('client', 'rsa-2048')).toBe(ds | ke | ka);
    expect(leafKeyUsageFlags('server', 'ecdsa-p256')).toBe(ds);
    expect(leafKeyUsageFlags('client', 'ecdsa-p256')).toBe(ds | ka);
    expect(leafKeyUsageFlags('server', 'ed25519')).toBe(ds);
    expect(leafKeyUsageFlags('client', 'ed25519')).toBe(ds);
  });

  it('refuses bad lifetimes and missing ids', async () => {
    for (const lifetimeMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(
        await rejection(
          issueGatewayServerCertificate({
            issuer: pki.serverCa,
            orgId: ORG,
            gatewayId: 'gw-1',
            lifetimeMs,
          }),
        ),
      ).toBe('INVALID_ARGUMENT');
    }
    expect(
      await rejection(
        issueGatewayServerCertificate({ issuer: pki.serverCa, orgId: '', gatewayId: 'gw-1' }),
      ),
    ).toBe('INVALID_ARGUMENT');
    expect(
      await rejection(
        issueGatewayServerCertificate({ issuer: pki.serverCa, orgId: ORG, gatewayId: '' }),
      ),
    ).toBe('INVALID_ARGUMENT');
    expect(
      await rejection(
        issueRelayClientCertificate({
          issuer: pki.clientCa,
          orgId: ORG,
          orgName: 'a',
          gatewayId: '',
          gatewayName: 'g',
        }),
      ),
    ).toBe('INVALID_ARGUMENT');
  });
});
