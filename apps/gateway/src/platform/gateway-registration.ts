/**
 * Gateway registration (reference §5.2): `POST /api/v2/gateways {relayName, name}` with the machine
 * identity's token. The control plane upserts the gateway and answers with everything the gateway
 * needs to serve until the next renewal:
 *
 *   {
 *     gatewayId, relayHost,                 relayHost is "host" or "host:tlsPort"
 *     pki: { serverCertificate,             inner TLS server cert (PEM, one cert)
 *            serverPrivateKey,              its PKCS#8 key
 *            clientCertificateChain },      PEM of the CAs whose client certs callers present
 *     ssh: { clientCertificate,             OpenSSH user cert line, principal gatewayId
 *            clientPrivateKey,              OpenSSH private key
 *            serverCAPublicKey },           the CA that signs the relay's host cert
 *     relaySshPort?                         Burrow extension, present when not 2222
 *   }
 *
 * The SSH dial goes to `<host>:<relaySshPort ?? 2222>` and the relay's host certificate must carry
 * the principal `<host>:<sshPort>` (the reference checks the dial address).
 *
 * The gateway calls this at start, before every reconnect (the relay may have moved) and every
 * 6 hours (fresh certificates; reference §5.8).
 */
import { RELAY_SSH_PORT } from '@burrow/tunnel-protocol';
import { PlatformError, postPlatformJson } from './platform-request.ts';

export interface GatewayRegistration {
  readonly gatewayId: string;
  /** relayHost as the control plane sent it. */
  readonly relayHost: string;
  /** The relay's host name or IP, without port or brackets. */
  readonly relaySshHost: string;
  readonly relaySshPort: number;
  /** The principal the relay's SSH host certificate must carry: `<host>:<sshPort>`. */
  readonly relayHostPrincipal: string;
  readonly pki: {
    readonly serverCertificate: string;
    readonly serverPrivateKey: string;
    readonly clientCertificateChain: string;
  };
  readonly ssh: {
    readonly clientCertificate: string;
    readonly clientPrivateKey: string;
    readonly serverCAPublicKey: string;
  };
}

export interface RegisterGatewayOptions {
  apiUrl: string;
  accessToken: string;
  relayName: string;
  name: string;
  signal?: AbortSignal | undefined;
}

/**
 * Registers the gateway and returns its fresh credentials; throws {@link PlatformError}.
 *
 * @example
 *   const registration = await registerGateway({ apiUrl, accessToken, relayName: 'edge-1', name: 'gw-1' });
 */
export async function registerGateway(
  options: RegisterGatewayOptions,
): Promise<GatewayRegistration> {
  const answer = await postPlatformJson({
    apiUrl: options.apiUrl,
    path: '/v2/gateways',
    accessToken: options.accessToken,
    body: { relayName: options.relayName, name: options.name },
    signal: options.signal,
  });
  return parseRegistration(answer);
}

/** Validates a registration answer; throws {@link PlatformError} naming the first bad field. */
export function parseRegistration(answer: unknown): GatewayRegistration {
  const body = object(answer, 'the answer');
  const pki = object(body.pki, 'pki');
  const ssh = object(body.ssh, 'ssh');
  const relayHost = text(body.relayHost, 'relayHost');
  const relaySshPort = body.relaySshPort === undefined ? RELAY_SSH_PORT : port(body.relaySshPort);
  const relaySshHost = hostOf(relayHost);
  return {
    gatewayId: text(body.gatewayId, 'gatewayId'),
    relayHost,
    relaySshHost,
    relaySshPort,
    relayHostPrincipal: `${relaySshHost}:${relaySshPort}`,
    pki: {
      serverCertificate: text(pki.serverCertificate, 'pki.serverCertificate'),
      serverPrivateKey: text(pki.serverPrivateKey, 'pki.serverPrivateKey'),
      clientCertificateChain: text(pki.clientCertificateChain, 'pki.clientCertificateChain'),
    },
    ssh: {
      clientCertificate: text(ssh.clientCertificate, 'ssh.clientCertificate'),
      clientPrivateKey: text(ssh.clientPrivateKey, 'ssh.clientPrivateKey'),
      serverCAPublicKey: text(ssh.serverCAPublicKey, 'ssh.serverCAPublicKey'),
    },
  };
}

/**
 * The host part of relayHost: `host`, `host:port`, `[v6]:port`, `[v6]` or a bare IPv6 address.
 *
 * @example
 *   hostOf('relay.example.com:8443') // 'relay.example.com'
 */
export function hostOf(relayHost: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(relayHost);
  if (bracketed) return bracketed[1] as string;
  const colons = relayHost.split(':').length - 1;
  if (colons === 1) {
    const [host, portText] = relayHost.split(':') as [string, string];
    if (host === '' || !/^\d+$/.test(portText)) throw malformed('relayHost', relayHost);
    return host;
  }
  return relayHost; // a name, an IPv4 address, or a bare IPv6 address
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PlatformError(`gateway registration: ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new PlatformError(`gateway registration: ${what} is missing or not a string`);
  }
  return value;
}

function port(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    throw malformed('relaySshPort', String(value));
  }
  return value;
}

function malformed(what: string, value: string): PlatformError {
  return new PlatformError(`gateway registration: ${what} ${JSON.stringify(value)} is malformed`);
}
