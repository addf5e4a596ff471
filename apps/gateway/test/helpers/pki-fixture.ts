/**
 * Certificates for inner TLS tests, made with @burrow/pki the way the control plane makes them
 * (reference §2.1/§2.2): a per-org gateway root with a server CA and a client CA, the gateway
 * server certificate, and caller certificates bound to a target.
 */
import {
  clientCertificateChainPem,
  createIntermediateCa,
  createRootCa,
  issueGatewayPamClientCertificate,
  issueGatewayPlatformClientCertificate,
  issueGatewayServerCertificate,
  issueRelayClientCertificate,
  serverCertificateChainPem,
  type CertificateAuthority,
  type IssuedCertificate,
} from '@burrow/pki';
import type { InnerTlsCredentials } from '../../src/tunnel/inner-tls-server.ts';

export const ORG_ID = '3f2b8c1e-0000-4000-8000-000000000001';
export const GATEWAY_ID = '7d1c2a9b-0000-4000-8000-000000000002';

export interface GatewayPki {
  root: CertificateAuthority;
  serverCa: CertificateAuthority;
  clientCa: CertificateAuthority;
  server: IssuedCertificate;
  /** What registration hands the gateway (its `pki` object). */
  credentials: InnerTlsCredentials;
  /** What a caller trusts to verify the gateway. */
  serverCertificateChain: string;
}

export async function createGatewayPki(orgId = ORG_ID): Promise<GatewayPki> {
  const root = await createRootCa({ subject: { O: orgId, CN: 'Infisical Gateway Root CA' } });
  const serverCa = await createIntermediateCa({
    issuer: root,
    subject: { O: orgId, CN: 'Infisical Gateway Server CA' },
    pathLength: 0,
  });
  const clientCa = await createIntermediateCa({
    issuer: root,
    subject: { O: orgId, CN: 'Infisical Gateway Client CA' },
    pathLength: 0,
  });
  const server = await issueGatewayServerCertificate({
    issuer: serverCa,
    orgId,
    gatewayId: GATEWAY_ID,
  });
  return {
    root,
    serverCa,
    clientCa,
    server,
    credentials: {
      serverCertificate: server.certificatePem,
      serverPrivateKey: server.privateKeyPem,
      clientCertificateChain: clientCertificateChainPem(clientCa),
    },
    serverCertificateChain: serverCertificateChainPem(serverCa),
  };
}

/** A platform caller certificate bound to `targetHost:targetPort`, made for `gatewayId`. */
export function issueCaller(
  pki: GatewayPki,
  targetHost = '127.0.0.1',
  targetPort = 1,
  gatewayId = GATEWAY_ID,
): Promise<IssuedCertificate> {
  return issueGatewayPlatformClientCertificate({
    issuer: pki.clientCa,
    orgId: ORG_ID,
    gatewayId,
    targetHost,
    targetPort,
  });
}

/** A PAM user's caller certificate (`…100.3` session) bound to `targetHost:targetPort`. */
export function issuePamCaller(
  pki: GatewayPki,
  targetHost = '127.0.0.1',
  targetPort = 1,
): Promise<IssuedCertificate> {
  return issueGatewayPamClientCertificate({
    issuer: pki.clientCa,
    orgId: ORG_ID,
    gatewayId: GATEWAY_ID,
    actor: { type: 'user', id: 'user-1', name: 'alice@example.com' },
    targetHost,
    targetPort,
    sessionId: '9a8b7c6d-0000-4000-8000-000000000003',
    resourceType: 'postgres',
  });
}

/**
 * A client-auth certificate from the right CA, made for this gateway (CN `platform:<id>`), that
 * names no target (no `…100.1`).
 */
export function issueCallerWithoutTarget(pki: GatewayPki): Promise<IssuedCertificate> {
  return issueRelayClientCertificate({
    issuer: pki.clientCa,
    orgId: ORG_ID,
    orgName: 'acme',
    gatewayId: `platform:${GATEWAY_ID}`,
    gatewayName: 'gw-1',
  });
}
