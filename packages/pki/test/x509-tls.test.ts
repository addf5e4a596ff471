/**
 * node:tls (OpenSSL) as the judge of our certificates in real TLS 1.3 mutual-auth handshakes over
 * loopback, for both hops of the data path: caller → relay (:8443) and the inner caller → gateway
 * session. The server reads the custom extensions from `getPeerCertificate().raw`.
 */
import { describe, it, expect } from '@jest/globals';

import {
  KEY_ALGORITHMS,
  clientCertificateChainPem,
  issueGatewayPamClientCertificate,
  issueGatewayServerCertificate,
  issueRelayClientCertificate,
  issueRelayServerCertificate,
  readBurrowExtensions,
  serverCertificateChainPem,
} from '../src/x509/index.ts';
import { mutualTlsHandshake } from './support/x509-mtls.ts';
import { createTestPki } from './support/x509-test-pki.ts';

describe('mutual TLS 1.3 with node:tls', () => {
  it.each(KEY_ALGORITHMS)(
    '%s: caller → relay, relay reads the gateway name',
    async (keyAlgorithm) => {
      const pki = await createTestPki(keyAlgorithm);
      const server = await issueRelayServerCertificate({
        issuer: pki.serverCa,
        host: '127.0.0.1',
        keyAlgorithm,
      });
      const client = await issueRelayClientCertificate({
        issuer: pki.clientCa,
        orgId: 'org-1',
        orgName: 'acme',
        gatewayId: 'gw-1',
        gatewayName: 'gw-eu-1',
        keyAlgorithm,
      });
      const outcome = await mutualTlsHandshake({
        server: {
          key: server.privateKeyPem,
          cert: server.certificatePem,
          ca: clientCertificateChainPem(pki.clientCa),
        },
        client: {
          key: client.privateKeyPem,
          cert: client.certificatePem,
          ca: serverCertificateChainPem(pki.serverCa),
        },
        inspectPeer: (raw) => readBurrowExtensions(raw),
      });
      expect(outcome.clientError).toBeUndefined();
      expect(outcome.ok).toBe(true);
      expect(outcome.protocol).toBe('TLSv1.3');
      expect(outcome.authorizedPeers).toEqual([Buffer.from(client.certificate.rawData)]);
      expect(outcome.inspected).toEqual([{ relayClient: { name: 'gw-eu-1' } }]);
    },
  );

  it.each(KEY_ALGORITHMS)(
    '%s: caller → gateway (SNI localhost), gateway reads target, actor and session',
    async (keyAlgorithm) => {
      const pki = await createTestPki(keyAlgorithm);
      const server = await issueGatewayServerCertificate({
        issuer: pki.serverCa,
        orgId: 'org-1',
        gatewayId: 'gw-1',
        keyAlgorithm,
      });
      const client = await issueGatewayPamClientCertificate({
        issuer: pki.clientCa,
        orgId: 'org-1',
        gatewayId: 'gw-1',
        actor: { type: 'user', id: 'u-1', name: 'alice' },
        targetHost: 'db.internal',
        targetPort: 5432,
        sessionId: 's-1',
        resourceType: 'postgres',
        keyAlgorithm,
      });
      const outcome = await mutualTlsHandshake({
        server: {
          key: server.privateKeyPem,
          cert: server.certificatePem,
          ca: clientCertificateChainPem(pki.clientCa),
        },
        client: {
          key: client.privateKeyPem,
          cert: client.certificatePem,
          ca: serverCertificateChainPem(pki.serverCa),
        },
        servername: 'localhost',
        inspectPeer: (raw) => readBurrowExtensions(raw),
      });
      expect(outcome.clientError).toBeUndefined();
      expect(outcome.ok).toBe(true);
      expect(outcome.protocol).toBe('TLSv1.3');
      expect(outcome.inspected).toEqual([
        {
          routing: { targetHost: 'db.internal', targetPort: 5432 },
          actor: { type: 'user', id: 'u-1', name: 'alice' },
          pamSession: { sessionId: 's-1', resourceType: 'postgres' },
        },
      ]);
    },
  );

  it('rejects a client certificate from another CA (same names, different keys)', async () => {
    const pki = await createTestPki('ecdsa-p256');
    const other = await createTestPki('ecdsa-p256');
    const server = await issueGatewayServerCertificate({
      issuer: pki.serverCa,
      orgId: 'org-1',
      gatewayId: 'gw-1',
    });
    const intruder = await issueGatewayPamClientCertificate({
      issuer: other.clientCa,
      orgId: 'org-1',
      gatewayId: 'gw-1',
      actor: { type: 'user', id: 'u-1', name: 'mallory' },
      targetHost: 'db.internal',
      targetPort: 5432,
      sessionId: 's-1',
      resourceType: 'postgres',
    });
    const outcome = await mutualTlsHandshake({
      server: {
        key: server.privateKeyPem,
        cert: server.certificatePem,
        ca: clientCertificateChainPem(pki.clientCa),
      },
      client: {
        key: intruder.privateKeyPem,
        cert: intruder.certificatePem,
        ca: serverCertificateChainPem(pki.serverCa),
      },
      servername: 'localhost',
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.authorizedPeers).toEqual([]);
    expect(outcome.serverErrors.length).toBeGreaterThan(0);
  });

  it('the client rejects a server certificate from another CA', async () => {
    const pki = await createTestPki('ecdsa-p256');
    const other = await createTestPki('ecdsa-p256');
    const impostor = await issueGatewayServerCertificate({
      issuer: other.serverCa,
      orgId: 'org-1',
      gatewayId: 'gw-1',
    });
    const client = await issueGatewayPamClientCertificate({
      issuer: pki.clientCa,
      orgId: 'org-1',
      gatewayId: 'gw-1',
      actor: { type: 'user', id: 'u-1', name: 'alice' },
      targetHost: 'db.internal',
      sessionId: 's-1',
      resourceType: 'postgres',
    });
    const outcome = await mutualTlsHandshake({
      server: {
        key: impostor.privateKeyPem,
        cert: impostor.certificatePem,
        ca: clientCertificateChainPem(pki.clientCa),
      },
      client: {
        key: client.privateKeyPem,
        cert: client.certificatePem,
        ca: serverCertificateChainPem(pki.serverCa),
      },
      servername: 'localhost',
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.authorizedPeers).toEqual([]);
    expect(outcome.clientError).toBeDefined();
  });
});
