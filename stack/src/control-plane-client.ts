import {
  ALPN,
  RELAY_TLS_PORT,
  type AlpnName,
  type DialGatewayOptions,
} from '@burrow/tunnel-protocol';

/**
 * The few control-plane calls the local stack makes, with the reference's paths and JSON. Any
 * non-2xx answer throws with the status and the platform's message.
 */
export class ControlPlaneClient {
  readonly apiUrl: string;
  token: string | undefined;

  constructor(apiUrl: string, token?: string) {
    this.apiUrl = apiUrl;
    this.token = token;
  }

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const response = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (!response.ok) {
      const message = (parsed as { message?: string } | undefined)?.message ?? text;
      throw new Error(`${method} ${path} -> ${response.status}: ${message}`);
    }
    return parsed as T;
  }

  async bootstrap(
    email: string,
    password: string,
    organization: string,
  ): Promise<{ organizationId: string; token: string }> {
    const result = await this.request<{
      organization: { id: string };
      identity: { credentials: { token: string } };
    }>('POST', '/v1/admin/bootstrap', { email, password, organization });
    this.token = result.identity.credentials.token;
    return { organizationId: result.organization.id, token: this.token };
  }

  /**
   * Creates a machine identity with universal auth and one client secret. `role`: `member` for
   * a person, `relay` / `gateway` for the scoped identity a relay or gateway runs as.
   */
  async createUniversalAuthIdentity(
    organizationId: string,
    name: string,
    role: 'admin' | 'member' | 'auditor' | 'relay' | 'gateway' = 'member',
  ): Promise<{ identityId: string; clientId: string; clientSecret: string }> {
    const { identity } = await this.request<{ identity: { id: string } }>(
      'POST',
      '/v1/identities',
      {
        name,
        organizationId,
        role,
      },
    );
    const { identityUniversalAuth } = await this.request<{
      identityUniversalAuth: { clientId: string };
    }>('POST', `/v1/auth/universal-auth/identities/${identity.id}`, {});
    const { clientSecret } = await this.request<{ clientSecret: string }>(
      'POST',
      `/v1/auth/universal-auth/identities/${identity.id}/client-secrets`,
      { description: `${name} (local stack)` },
    );
    return { identityId: identity.id, clientId: identityUniversalAuth.clientId, clientSecret };
  }

  async listGateways(): Promise<GatewaySummary[]> {
    const result = await this.request<{ gateways?: GatewaySummary[] } | GatewaySummary[]>(
      'GET',
      '/v2/gateways',
    );
    return Array.isArray(result) ? result : (result.gateways ?? []);
  }

  testConnection(
    gatewayId: string,
    targetHost: string,
    targetPort: number,
  ): Promise<TestConnectionResult> {
    return this.request('POST', `/v2/gateways/${gatewayId}/test-connection`, {
      targetHost,
      targetPort,
    });
  }
}

export interface GatewaySummary {
  id: string;
  name: string;
  heartbeat?: string | null;
  isHealthy?: boolean;
}

export interface TestConnectionResult {
  reachable: boolean;
  roundTripMs?: number;
  elapsedMs?: number;
  error?: string;
}

/**
 * What a caller needs to reach one target through one gateway: the relay address and the two
 * client certificates (relay hop and inner gateway hop), as the reference's
 * getPlatformConnectionDetailsByGatewayId returns them.
 */
export interface ConnectionDetails extends RelayRoute {
  gateway: ClientCredentials;
  /** Burrow: one route per relay holding the gateway (the first is the one above). */
  relays?: RelayRoute[];
}

interface ClientCredentials {
  clientCertificate: string;
  clientPrivateKey: string;
  serverCertificateChain: string;
}

interface RelayRoute {
  /** `host`, or `host:port` when the relay's TLS port is not 8443. */
  relayHost: string;
  relay: ClientCredentials;
}

/**
 * Asks the control plane for caller certificates to `targetHost:targetPort` through `gatewayId`
 * (POST /api/v2/gateways/:id/connection-details, admin) and returns the dial options of every
 * route, one per relay holding the gateway, in the control plane's order.
 */
export async function gatewayRoutes(
  api: ControlPlaneClient,
  gatewayId: string,
  target: { host: string; port: number },
  alpn: AlpnName = ALPN.tcpProxy,
): Promise<DialGatewayOptions[]> {
  const details = await api.request<ConnectionDetails>(
    'POST',
    `/v2/gateways/${gatewayId}/connection-details`,
    { targetHost: target.host, targetPort: target.port },
  );
  const gateway = {
    certificate: details.gateway.clientCertificate,
    privateKey: details.gateway.clientPrivateKey,
    serverCertificateChain: details.gateway.serverCertificateChain,
  };
  return (details.relays?.length ? details.relays : [details]).map((route) => {
    const [relayHost, port] = route.relayHost.split(':');
    return {
      relayHost: relayHost as string,
      relayPort: port ? Number(port) : RELAY_TLS_PORT,
      relay: {
        certificate: route.relay.clientCertificate,
        privateKey: route.relay.clientPrivateKey,
        serverCertificateChain: route.relay.serverCertificateChain,
      },
      gateway,
      alpn,
    };
  });
}
