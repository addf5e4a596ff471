/**
 * Gateway registration (reference §5.2; contract: @burrow/platform-api routes.registerGateway)
 * `{relayName, name}` with the machine identity's token, or for an enrolled gateway
 * routes.connectGateway `{relayName}` with its gateway access token (the name is the admin's). The control plane upserts the gateway and
 * answers with everything the gateway needs to serve until the next renewal:
 *
 *   {
 *     gatewayId, relayHost,                 the relay's host (a Burrow control plane before issue
 *                                           21 sent "host:tlsPort"; the port is ignored)
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
import { routes, type PlatformClient } from '@burrow/platform-api';
import { RELAY_SSH_PORT } from '@burrow/tunnel-protocol';

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
  relayName: string;
  name: string;
  /** An enrolled gateway connects with its access token (POST /api/v3/gateways/connect). */
  enrolled?: boolean;
  signal?: AbortSignal | undefined;
}

/**
 * Registers the gateway and returns its fresh credentials; throws the client's PlatformError (the
 * answer is checked against the route's schema), or an Error for a relayHost it cannot read.
 *
 * @example
 *   const registration = await registerGateway(platform, { relayName: 'edge-1', name: 'gw-1' });
 */
export async function registerGateway(
  platform: Pick<PlatformClient, 'call'>,
  options: RegisterGatewayOptions,
): Promise<GatewayRegistration> {
  const signal = options.signal ? { signal: options.signal } : {};
  const answer = options.enrolled
    ? await platform.call(routes.connectGateway, {
        body: { relayName: options.relayName },
        ...signal,
      })
    : await platform.call(routes.registerGateway, {
        body: { relayName: options.relayName, name: options.name },
        ...signal,
      });
  const relaySshPort = answer.relaySshPort ?? RELAY_SSH_PORT;
  const relaySshHost = hostOf(answer.relayHost);
  return {
    gatewayId: answer.gatewayId,
    relayHost: answer.relayHost,
    relaySshHost,
    relaySshPort,
    relayHostPrincipal: `${relaySshHost}:${relaySshPort}`,
    pki: answer.pki,
    ssh: answer.ssh,
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

function malformed(what: string, value: string): Error {
  return new Error(`gateway registration: ${what} ${JSON.stringify(value)} is malformed`);
}
