import { routes, type PlatformClient } from '@burrow/platform-api';
import {
  ALPN,
  RELAY_TLS_PORT,
  type AlpnName,
  type DialGatewayOptions,
} from '@burrow/tunnel-protocol';

/**
 * Asks the control plane for caller certificates to `targetHost:targetPort` through `gatewayId`
 * (`POST /api/v2/gateways/:id/connection-details`, admin; the reference's
 * getPlatformConnectionDetailsByGatewayId) and returns the dial options of every route, one per
 * relay holding the gateway, in the control plane's order.
 *
 * @example
 *   const [first] = await gatewayRoutes(stack.api, gatewayId, { host: '127.0.0.1', port });
 *   const socket = await dialGateway(first);
 */
export async function gatewayRoutes(
  api: PlatformClient,
  gatewayId: string,
  target: { host: string; port: number },
  alpn: AlpnName = ALPN.tcpProxy,
): Promise<DialGatewayOptions[]> {
  const details = await api.call(routes.gatewayConnectionDetails, {
    params: { id: gatewayId },
    body: { targetHost: target.host, targetPort: target.port },
  });
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
