import {
  issueGatewayPlatformClientCertificate,
  issueRelayClientCertificate,
  serverCertificateChainPem,
} from '@burrow/pki';
import {
  HEARTBEAT_PROBE_GATEWAY_ID,
  PLATFORM_CLIENT_CERT_TTL_MS,
  type TlsCredentials,
} from '@burrow/tunnel-protocol';
import type { Gateway } from '../stores/gateway-store.ts';
import type { Organization } from '../stores/organization-store.ts';
import type { Relay } from '../stores/relay-store.ts';
import type { CertificateAuthorities } from './certificate-authorities.ts';
import { relayClientCa, relayServerChainPem } from './relay-credentials.ts';

/**
 * Short-lived certificates the control plane itself uses as a caller (reference §4):
 *
 * - relay client cert   O=<orgName>-<orgId>, OU=relay-client, CN=<gatewayId>,
 *                       ext …100.3 {"name": gatewayName}; the relay routes by the CN
 * - gateway client cert O=<orgId>, OU=gateway-client, CN=platform:<gatewayId>,
 *                       ext …100.1 {targetHost, targetPort}, …100.2 {"type":"platform"}
 *
 * plus the chains to verify the relay's and the gateway's server certificates.
 */
export interface CallerCredentials {
  relay: TlsCredentials;
  gateway: TlsCredentials;
}

/** The relay heartbeat probe's client certificate lives 60 s (reference §3.5). */
export const RELAY_PROBE_CERT_LIFETIME_MS = 60_000;

export async function issueCallerCredentials(
  cas: CertificateAuthorities,
  input: {
    org: Organization;
    gateway: Gateway;
    relay: Relay;
    targetHost: string;
    targetPort: number;
    lifetimeMs?: number;
  },
): Promise<CallerCredentials> {
  const { org, gateway, relay } = input;
  const lifetimeMs = input.lifetimeMs ?? PLATFORM_CLIENT_CERT_TTL_MS;
  const [relayCredentials, gatewayIssuer, gatewayServerCa] = await Promise.all([
    issueRelayClientCredentials(cas, relay, {
      orgId: org.id,
      orgName: org.name,
      gatewayId: gateway.id,
      gatewayName: gateway.name,
      lifetimeMs,
    }),
    cas.x509(gateway.orgId, 'gateway-client'),
    cas.x509(gateway.orgId, 'gateway-server'),
  ]);
  const gatewayClient = await issueGatewayPlatformClientCertificate({
    issuer: gatewayIssuer,
    orgId: gateway.orgId,
    gatewayId: gateway.id,
    targetHost: input.targetHost,
    targetPort: input.targetPort,
    keyAlgorithm: cas.keyAlgorithm,
    lifetimeMs,
  });
  return {
    relay: relayCredentials,
    gateway: {
      certificate: gatewayClient.certificatePem,
      privateKey: gatewayClient.privateKeyPem,
      serverCertificateChain: serverCertificateChainPem(gatewayServerCa),
    },
  };
}

/**
 * A relay client certificate issued by `relay`'s client CA (O=<orgName>-<orgId>, CN=<gatewayId>,
 * ext …100.3 {"name": gatewayName}) with the chain that verifies that relay's server certificate.
 */
export async function issueRelayClientCredentials(
  cas: CertificateAuthorities,
  relay: Relay,
  subject: {
    orgId: string;
    orgName: string;
    gatewayId: string;
    gatewayName: string;
    lifetimeMs: number;
    now?: Date;
  },
): Promise<TlsCredentials> {
  const [issuer, chain] = await Promise.all([
    relayClientCa(cas, relay),
    relayServerChainPem(cas, relay),
  ]);
  const client = await issueRelayClientCertificate({
    issuer,
    ...subject,
    keyAlgorithm: cas.keyAlgorithm,
  });
  return {
    certificate: client.certificatePem,
    privateKey: client.privateKeyPem,
    serverCertificateChain: chain,
  };
}

/** The all-zero-CN relay client certificate the relay heartbeat probe presents. */
export function issueRelayProbeCredentials(
  cas: CertificateAuthorities,
  relay: Relay,
): Promise<TlsCredentials> {
  return issueRelayClientCredentials(cas, relay, {
    orgId: relay.orgId ?? HEARTBEAT_PROBE_GATEWAY_ID,
    orgName: 'heartbeat',
    gatewayId: HEARTBEAT_PROBE_GATEWAY_ID,
    gatewayName: 'heartbeat',
    lifetimeMs: RELAY_PROBE_CERT_LIFETIME_MS,
  });
}
