import type { Migration } from './index.ts';

/**
 * Which relays hold which gateway (Burrow HA: a gateway keeps tunnels to several relays at once and
 * registers once per relay). `registered_at` is the last registration for that relay; callers try
 * the relays a gateway registered with recently, newest first. `gateways.relay_id` stays the last
 * registered relay (what single-relay clients and the reference's API show).
 */
export const gatewayRelays: Migration = {
  version: 4,
  name: 'gateway-relays',
  sql: `
CREATE TABLE gateway_relays (
  gateway_id TEXT NOT NULL REFERENCES gateways(id) ON DELETE CASCADE,
  relay_id TEXT NOT NULL REFERENCES relays(id) ON DELETE CASCADE,
  registered_at INTEGER NOT NULL,
  PRIMARY KEY (gateway_id, relay_id)
);

INSERT INTO gateway_relays (gateway_id, relay_id, registered_at)
  SELECT id, relay_id, updated_at FROM gateways WHERE relay_id IS NOT NULL;
`,
};
