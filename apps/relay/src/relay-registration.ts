/**
 * Relay registration (reference §3.2): the relay announces its host, name and ports and receives
 * its certificates. Called at startup and again for every renewal. An org relay registers with its
 * machine identity token, an instance relay with INFISICAL_RELAY_AUTH_SECRET, an enrolled relay
 * connects with its relay access token (contract: @burrow/platform-api routes.registerOrgRelay /
 * registerInstanceRelay / connectRelay). `sshPort`/`tlsPort` are
 * Burrow additions; the reference's platform ignores them and assumes 2222/8443.
 */
import { routes, type PlatformClient, type RouteResponse } from '@burrow/platform-api';
import type { RelayType } from './relay-config.ts';

type Registration = RouteResponse<typeof routes.registerOrgRelay>;

/** The TLS side: the relay's server certificate and the CA chain callers' certificates must chain to. */
export type RelayTlsCredentials = Readonly<Registration['pki']>;

/** The SSH side: the relay's host certificate and key, and the CA that signs gateway certificates. */
export type RelaySshCredentials = Readonly<Registration['ssh']>;

export interface RelayCredentials {
  readonly pki: RelayTlsCredentials;
  readonly ssh: RelaySshCredentials;
}

export interface RelayRegistrationRequest {
  readonly type: RelayType;
  /** An enrolled relay connects (POST /api/v2/relays/connect) instead of registering. */
  readonly enrolled?: boolean;
  /** Undefined only for an enrolled relay: the control plane keeps the host the admin set. */
  readonly host: string | undefined;
  readonly name: string;
  readonly sshPort: number;
  readonly tlsPort: number;
}

export async function registerRelay(
  client: PlatformClient,
  request: RelayRegistrationRequest,
): Promise<RelayCredentials> {
  const { type, host, name, sshPort, tlsPort } = request;
  if (request.enrolled) {
    const body = { ...(host !== undefined ? { host } : {}), sshPort, tlsPort };
    const { pki, ssh } = await client.call(routes.connectRelay, { body });
    return { pki, ssh };
  }
  const route = type === 'org' ? routes.registerOrgRelay : routes.registerInstanceRelay;
  const body = { host: host as string, name, sshPort, tlsPort };
  const { pki, ssh } = await client.call(route, { body });
  return { pki, ssh };
}
