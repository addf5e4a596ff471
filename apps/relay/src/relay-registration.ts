/**
 * Relay registration (reference §3.2): the relay announces its host, name and ports and receives
 * its certificates. Called at startup and again for every renewal.
 *
 *   POST /v1/relays/register-org-relay       (machine identity token)
 *   POST /v1/relays/register-instance-relay  (Bearer INFISICAL_RELAY_AUTH_SECRET)
 *   body  {host, name, sshPort, tlsPort}     (sshPort/tlsPort are Burrow additions; the reference's
 *                                             platform ignores them and assumes 2222/8443)
 *   reply {pki: {serverCertificate, serverPrivateKey, clientCertificateChain},
 *          ssh: {serverCertificate, serverPrivateKey, clientCAPublicKey}}
 */
import type { ControlPlaneClient } from './control-plane-client.ts';
import { ControlPlaneError } from './control-plane-client.ts';
import type { RelayType } from './relay-config.ts';

/** The TLS side: the relay's server certificate and the CA chain callers' certificates must chain to. */
export interface RelayTlsCredentials {
  readonly serverCertificate: string;
  readonly serverPrivateKey: string;
  readonly clientCertificateChain: string;
}

/** The SSH side: the relay's host certificate and key, and the CA that signs gateway certificates. */
export interface RelaySshCredentials {
  readonly serverCertificate: string;
  readonly serverPrivateKey: string;
  readonly clientCAPublicKey: string;
}

export interface RelayCredentials {
  readonly pki: RelayTlsCredentials;
  readonly ssh: RelaySshCredentials;
}

export interface RelayRegistrationRequest {
  readonly type: RelayType;
  readonly host: string;
  readonly name: string;
  readonly sshPort: number;
  readonly tlsPort: number;
}

export function registrationPath(type: RelayType): string {
  return type === 'org' ? '/v1/relays/register-org-relay' : '/v1/relays/register-instance-relay';
}

export async function registerRelay(
  client: ControlPlaneClient,
  request: RelayRegistrationRequest,
): Promise<RelayCredentials> {
  const { type, host, name, sshPort, tlsPort } = request;
  const reply = await client.post(registrationPath(type), { host, name, sshPort, tlsPort });
  return parseRegistrationReply(reply);
}

/** Checks the reply has every certificate and key as a non-empty string. */
export function parseRegistrationReply(reply: unknown): RelayCredentials {
  const body = reply as { pki?: Record<string, unknown>; ssh?: Record<string, unknown> } | null;
  const pki = {
    serverCertificate: field(body?.pki, 'pki', 'serverCertificate'),
    serverPrivateKey: field(body?.pki, 'pki', 'serverPrivateKey'),
    clientCertificateChain: field(body?.pki, 'pki', 'clientCertificateChain'),
  };
  const ssh = {
    serverCertificate: field(body?.ssh, 'ssh', 'serverCertificate'),
    serverPrivateKey: field(body?.ssh, 'ssh', 'serverPrivateKey'),
    clientCAPublicKey: field(body?.ssh, 'ssh', 'clientCAPublicKey'),
  };
  return { pki, ssh };
}

function field(section: Record<string, unknown> | undefined, name: string, key: string): string {
  const value = section?.[key];
  if (typeof value !== 'string' || value.length === 0) {
    throw new ControlPlaneError(`relay registration reply has no ${name}.${key}`);
  }
  return value;
}
