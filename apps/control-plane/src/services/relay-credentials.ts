import {
  clientCertificateChainPem,
  encodeOpenSshPrivateKey,
  formatSshCertificateLine,
  generateSshKeyPair,
  issueRelayServerCertificate,
  serverCertificateChainPem,
  signSshCertificate,
} from '@burrow/pki';
import type { Relay } from '../stores/relay-store.ts';
import { INSTANCE_SCOPE, type CertificateAuthorities } from './certificate-authorities.ts';
import {
  randomSshSerial,
  RELAY_SSH_HOST_CERT_LIFETIME_MS,
  sshValidity,
} from './ssh-certificate-validity.ts';

/**
 * What a relay receives when it registers (reference §3.2):
 *
 *   pki.serverCertificate       TLS server cert for :tlsPort, CN/SAN = host, 1 day
 *   pki.serverPrivateKey        its PKCS#8 key
 *   pki.clientCertificateChain  the relay client CA + parents: callers' certs must chain to it
 *   ssh.serverCertificate       OpenSSH host cert, key ID "relay-server",
 *                               principal "<host>:<sshPort>", 30 days
 *   ssh.serverPrivateKey        its OpenSSH private key
 *   ssh.clientCAPublicKey       the SSH CA that signs gateways' user certs for this relay
 *
 * Org relays use their organization's CAs, instance relays the instance's.
 */
export interface RelayRegistrationCredentials {
  pki: { serverCertificate: string; serverPrivateKey: string; clientCertificateChain: string };
  ssh: { serverCertificate: string; serverPrivateKey: string; clientCAPublicKey: string };
}

export function relayScope(relay: Pick<Relay, 'orgId'>): string {
  return relay.orgId ?? INSTANCE_SCOPE;
}

/** The relay's TLS client CA (signs callers' relay client certs). */
export function relayClientCa(cas: CertificateAuthorities, relay: Pick<Relay, 'orgId'>) {
  return relay.orgId
    ? cas.x509(relay.orgId, 'relay-client')
    : cas.x509(INSTANCE_SCOPE, 'instance-relay-client');
}

/** The relay's TLS server CA (signs the relay's server cert). */
export function relayServerCa(cas: CertificateAuthorities, relay: Pick<Relay, 'orgId'>) {
  return relay.orgId
    ? cas.x509(relay.orgId, 'relay-server')
    : cas.x509(INSTANCE_SCOPE, 'instance-relay-server');
}

/** PEM chain a caller trusts to verify this relay's TLS server certificate. */
export async function relayServerChainPem(
  cas: CertificateAuthorities,
  relay: Pick<Relay, 'orgId'>,
): Promise<string> {
  return serverCertificateChainPem(await relayServerCa(cas, relay));
}

/** The principal a relay's SSH host certificate carries: the address gateways dial. */
export function relayHostPrincipal(relay: Pick<Relay, 'host' | 'sshPort'>): string {
  return `${relay.host}:${relay.sshPort}`;
}

/** The credentials and when the first of them expires (the relay must register again by then). */
export async function issueRelayCredentials(
  cas: CertificateAuthorities,
  relay: Relay,
  now = Date.now(),
): Promise<{ credentials: RelayRegistrationCredentials; expiresAt: number }> {
  const [serverCa, clientCa] = await Promise.all([
    relayServerCa(cas, relay),
    relayClientCa(cas, relay),
  ]);
  const server = await issueRelayServerCertificate({
    issuer: serverCa,
    host: relay.host,
    ...(relay.orgId ? { organization: relay.orgId } : {}),
    keyAlgorithm: cas.keyAlgorithm,
    now: new Date(now),
  });
  const scope = relayScope(relay);
  const sshServerCa = cas.ssh(scope, 'ssh-server');
  const sshClientCa = cas.ssh(scope, 'ssh-client');
  const hostKey = generateSshKeyPair(cas.sshKeyType);
  const sshValidWindow = sshValidity(now, RELAY_SSH_HOST_CERT_LIFETIME_MS);
  const hostCertificate = signSshCertificate({
    caPrivateKey: sshServerCa.keyPair.privateKey,
    publicKey: hostKey.publicKeyBlob,
    type: 'host',
    keyId: 'relay-server',
    serial: randomSshSerial(),
    principals: [relayHostPrincipal(relay)],
    ...sshValidWindow,
  });
  const expiresAt = Math.min(
    server.certificate.notAfter.getTime(),
    sshValidWindow.validBefore.getTime(),
  );
  const credentials = {
    pki: {
      serverCertificate: server.certificatePem,
      serverPrivateKey: server.privateKeyPem,
      clientCertificateChain: clientCertificateChainPem(clientCa),
    },
    ssh: {
      serverCertificate: formatSshCertificateLine(hostCertificate, `relay-${relay.name}`),
      serverPrivateKey: encodeOpenSshPrivateKey(hostKey.privateKey, `relay-${relay.name}`),
      clientCAPublicKey: sshClientCa.publicKeyLine,
    },
  };
  return { credentials, expiresAt };
}
