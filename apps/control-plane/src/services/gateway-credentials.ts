import {
  clientCertificateChainPem,
  encodeOpenSshPrivateKey,
  formatSshCertificateLine,
  generateSshKeyPair,
  issueGatewayServerCertificate,
  signSshCertificate,
} from '@burrow/pki';
import { RELAY_SSH_PORT, RELAY_TLS_PORT } from '@burrow/tunnel-protocol';
import type { Gateway } from '../stores/gateway-store.ts';
import type { Relay } from '../stores/relay-store.ts';
import type { CertificateAuthorities } from './certificate-authorities.ts';
import { relayScope } from './relay-credentials.ts';
import {
  GATEWAY_SSH_CERT_LIFETIME_MS,
  randomSshSerial,
  sshValidity,
} from './ssh-certificate-validity.ts';

/**
 * What a gateway receives from `POST /api/v2/gateways` (reference §5.2):
 *
 *   gatewayId, relayHost        relayHost = the relay's bare host, never with a port: the reference
 *                               gateway dials `relayHost + ":2222"` (a port in it fails with "too
 *                               many colons in address"), and the gateway never needs the TLS port
 *   pki.serverCertificate       inner-TLS server cert, O=<orgId>, CN=Gateway, SAN localhost (as the
 *                               reference) and URI urn:burrow:gateway:<gatewayId>, which Burrow
 *                               callers pin; 1 day
 *   pki.serverPrivateKey        its PKCS#8 key
 *   pki.clientCertificateChain  the org's Gateway Client CA + root: callers' certs chain to it
 *   ssh.clientCertificate       OpenSSH user cert, key ID "client-<relayName>", principals
 *                               [gatewayId, gatewayName] (org relay) / [gatewayId] (instance), 1 day
 *   ssh.clientPrivateKey        its OpenSSH private key
 *   ssh.serverCAPublicKey       the SSH CA that signed the relay's host certificate
 *   relaySshPort                Burrow extension, only when the relay's SSH port is not 2222 (a
 *                               reference gateway ignores it and can only reach relays on 2222)
 */
export interface GatewayRegistrationCredentials {
  gatewayId: string;
  relayHost: string;
  relaySshPort?: number;
  pki: { serverCertificate: string; serverPrivateKey: string; clientCertificateChain: string };
  ssh: { clientCertificate: string; clientPrivateKey: string; serverCAPublicKey: string };
}

/**
 * The relayHost of callers' answers (connection details, PAM access): `host` for the default TLS
 * port, else `host:port` (`[v6]:port` for IPv6). Callers do carry a port there: the reference's
 * CLI and platform dial `relayHost` and default to 8443 only when it has no `:port`.
 */
export function relayHostForClients(relay: Pick<Relay, 'host' | 'tlsPort'>): string {
  if (relay.tlsPort === RELAY_TLS_PORT) return relay.host;
  return relay.host.includes(':')
    ? `[${relay.host}]:${relay.tlsPort}`
    : `${relay.host}:${relay.tlsPort}`;
}

/** The credentials and when the first of them expires (the gateway must register again by then). */
export async function issueGatewayCredentials(
  cas: CertificateAuthorities,
  gateway: Gateway,
  relay: Relay,
  now = Date.now(),
): Promise<{ credentials: GatewayRegistrationCredentials; expiresAt: number }> {
  const [serverCa, clientCa] = await Promise.all([
    cas.x509(gateway.orgId, 'gateway-server'),
    cas.x509(gateway.orgId, 'gateway-client'),
  ]);
  const server = await issueGatewayServerCertificate({
    issuer: serverCa,
    orgId: gateway.orgId,
    gatewayId: gateway.id,
    keyAlgorithm: cas.keyAlgorithm,
    now: new Date(now),
  });
  const scope = relayScope(relay);
  const sshClientCa = cas.ssh(scope, 'ssh-client');
  const sshServerCa = cas.ssh(scope, 'ssh-server');
  const userKey = generateSshKeyPair(cas.sshKeyType);
  const sshValidWindow = sshValidity(now, GATEWAY_SSH_CERT_LIFETIME_MS);
  const userCertificate = signSshCertificate({
    caPrivateKey: sshClientCa.keyPair.privateKey,
    publicKey: userKey.publicKeyBlob,
    type: 'user',
    keyId: `client-${relay.name}`,
    serial: randomSshSerial(),
    principals: relay.orgId ? [gateway.id, gateway.name] : [gateway.id],
    ...sshValidWindow,
  });
  const expiresAt = Math.min(
    server.certificate.notAfter.getTime(),
    sshValidWindow.validBefore.getTime(),
  );
  const credentials = {
    gatewayId: gateway.id,
    relayHost: relay.host,
    ...(relay.sshPort !== RELAY_SSH_PORT ? { relaySshPort: relay.sshPort } : {}),
    pki: {
      serverCertificate: server.certificatePem,
      serverPrivateKey: server.privateKeyPem,
      clientCertificateChain: clientCertificateChainPem(clientCa),
    },
    ssh: {
      clientCertificate: formatSshCertificateLine(userCertificate, `gateway-${gateway.name}`),
      clientPrivateKey: encodeOpenSshPrivateKey(userKey.privateKey, `gateway-${gateway.name}`),
      serverCAPublicKey: sshServerCa.publicKeyLine,
    },
  };
  return { credentials, expiresAt };
}
