/**
 * Which gateway a certificate names (gateway-identity.ts): the URI SAN of gateway server
 * certificates, the CN `<actor>:<gatewayId>` of gateway client certificates.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { X509Certificate as NodeX509Certificate } from 'node:crypto';
import {
  issueGatewayPamClientCertificate,
  issueGatewayPlatformClientCertificate,
  issueGatewayServerCertificate,
  readCallerGatewayId,
  readGatewayIdentities,
} from '../src/x509/index.ts';
import { issueLeafCertificate } from '../src/x509/leaf-certificate.ts';
import * as x509 from '../src/x509/peculiar-x509.ts';
import { createTestPki, type TestPki } from './support/x509-test-pki.ts';

const GATEWAY = '5b0e7a9c-7f0e-4d2a-9a53-0d9c1c1a2b3c';
let pki: TestPki;

beforeAll(async () => {
  pki = await createTestPki('ecdsa-p256');
});

describe('readGatewayIdentities', () => {
  it('reads the gateway ID from the server certificate, in every input form', async () => {
    const issued = await issueGatewayServerCertificate({
      issuer: pki.serverCa,
      orgId: 'org-1',
      gatewayId: GATEWAY,
    });
    expect(readGatewayIdentities(issued.certificatePem)).toEqual([GATEWAY]);
    expect(readGatewayIdentities(issued.certificate)).toEqual([GATEWAY]);
    const node = new NodeX509Certificate(issued.certificatePem);
    expect(readGatewayIdentities(node)).toEqual([GATEWAY]);
    expect(readGatewayIdentities(node.raw)).toEqual([GATEWAY]);
  });

  it('finds none on a reference-shaped certificate (SAN localhost only) or without SAN', async () => {
    const referenceShaped = await issueLeafCertificate(
      { issuer: pki.serverCa },
      {
        subject: { O: 'org-1', CN: 'Gateway' },
        role: 'server',
        defaultLifetimeMs: 60_000,
        extensions: [
          new x509.SubjectAlternativeNameExtension([
            { type: 'dns', value: 'localhost' },
            { type: 'url', value: 'https://example.com/urn:burrow:gateway:x' },
          ]),
        ],
      },
    );
    expect(readGatewayIdentities(referenceShaped.certificatePem)).toEqual([]);
    const client = await issueGatewayPlatformClientCertificate({
      issuer: pki.clientCa,
      orgId: 'org-1',
      gatewayId: GATEWAY,
      targetHost: 'db',
      targetPort: 5432,
    });
    expect(readGatewayIdentities(client.certificatePem)).toEqual([]);
  });
});

describe('readCallerGatewayId', () => {
  it('reads <gatewayId> from CN=platform:<gatewayId> and CN=user:<gatewayId>', async () => {
    const platform = await issueGatewayPlatformClientCertificate({
      issuer: pki.clientCa,
      orgId: 'org-1',
      gatewayId: GATEWAY,
      targetHost: 'db',
      targetPort: 5432,
    });
    expect(readCallerGatewayId(platform.certificatePem)).toBe(GATEWAY);
    const pam = await issueGatewayPamClientCertificate({
      issuer: pki.clientCa,
      orgId: 'org-1',
      gatewayId: GATEWAY,
      actor: { type: 'user', id: 'u-1', name: 'alice' },
      targetHost: 'db',
      targetPort: 5432,
      sessionId: 's-1',
      resourceType: 'postgres',
    });
    expect(readCallerGatewayId(pam.certificate)).toBe(GATEWAY);
  });

  it('is undefined for a CN without <actor>:<gatewayId>', async () => {
    const server = await issueGatewayServerCertificate({
      issuer: pki.serverCa,
      orgId: 'org-1',
      gatewayId: GATEWAY,
    });
    expect(readCallerGatewayId(server.certificatePem)).toBeUndefined(); // CN=Gateway
  });
});
