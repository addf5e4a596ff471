import { routes } from '@burrow/platform-api';
import type { ControlPlane } from './control-plane.ts';
import { formatGatewayList } from './output-format.ts';

/**
 * `burrow gateways list`: the gateways of the caller's organization (`GET /api/v2/gateways`) with
 * their relay and health.
 */
export async function listGateways(platform: ControlPlane): Promise<string> {
  return formatGatewayList(await platform.call(routes.listGateways));
}
