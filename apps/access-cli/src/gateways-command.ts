import { formatGatewayList } from './output-format.ts';
import type { GatewayRow } from './pam-types.ts';
import type { PlatformClient } from './platform-client.ts';

/**
 * `burrow gateways list`: the gateways of the caller's organization (`GET /api/v2/gateways`) with
 * their relay and health.
 */
export async function listGateways(platform: PlatformClient): Promise<string> {
  const answer = await platform.request<GatewayRow[] | { gateways: GatewayRow[] }>(
    'GET',
    '/v2/gateways',
  );
  return formatGatewayList(Array.isArray(answer) ? answer : (answer.gateways ?? []));
}
